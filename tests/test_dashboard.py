"""The dashboard without a browser: controls from metadata, the SolaraViz adapter, the figures,
the event list and the `regcycle dashboard` command (the browser test is
test_dashboard_browser.py)."""

from __future__ import annotations

import dataclasses
import io
import math
import socket
from pathlib import Path

import numpy as np
import pytest
import test_dashboard_browser as browser_test
from mesa.experimental.scenarios import Scenario as MesaScenario
from PIL import Image as PILImage
from small import small_params

from sim.app.cli import main
from sim.app.dashboard import INSTALL_HINT
from sim.app.dashboard import cli as dash_cli
from sim.app.dashboard.controls import (
    MAIN_PARAMETERS,
    SEED,
    control_for,
    dotted_key,
    flat_name,
    model_params,
    nice_step,
    overrides_from_flat,
    parse_seed,
)
from sim.app.dashboard.figures import (
    DPI,
    FIGSIZE,
    FIGURES,
    SPECS,
    LiveFigure,
    enforcement_figure,
    png,
)
from sim.app.dashboard.model import DashboardModel
from sim.app.dashboard.source import ENV_SCENARIO, ENV_SET, load_dashboard_scenario
from sim.app.dashboard.status import BIG_FINE_SHARE, latest_events, status_html
from sim.model.params import ParameterError, Params, field_for, iter_specs
from sim.model.states import EventKind, Phase

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = small_params(months=None)  # the default horizon: the figures' axes span run.months


# --------------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------------


def test_main_parameters_are_declared_parameters_listed_once():
    keys = {key for key, _, _ in iter_specs()}
    assert set(MAIN_PARAMETERS) <= keys
    assert len(set(MAIN_PARAMETERS)) == len(MAIN_PARAMETERS)
    assert 8 <= len(MAIN_PARAMETERS) <= 12


@pytest.mark.parametrize("key", MAIN_PARAMETERS)
def test_controls_take_bounds_choices_and_labels_from_the_metadata(key):
    params = Params()
    control = control_for(key, params)
    meta = field_for(key).metadata
    assert meta["symbol"] in control["label"] and meta["doc"] in control["label"]
    assert control["value"] == params.get(key)
    if meta["choices"]:
        assert control["type"] == "Select"
        assert control["values"] == list(meta["choices"])
    elif isinstance(params.get(key), bool):
        assert control["type"] == "Checkbox"
    else:
        lo, hi = meta["range"]
        assert (control["min"], control["max"]) == (lo, hi)
        steps = (control["value"] - lo) / control["step"]
        assert math.isclose(steps, round(steps), abs_tol=1e-6)  # the value is on the grid
        assert (hi - lo) / control["step"] <= 1000


def test_model_params_start_at_the_scenario_values_and_end_with_the_seed():
    params = Params().override({"leadership.theta_alarm": 0.437, "leadership.mode": "rules"})
    controls = model_params(params, seed=42)
    assert list(controls) == [*map(flat_name, MAIN_PARAMETERS), SEED]
    assert controls["leadership__theta_alarm"]["value"] == 0.437
    assert controls["leadership__theta_alarm"]["step"] == 0.001
    assert controls["leadership__mode"]["value"] == "rules"
    assert controls[SEED] == {"type": "InputText", "value": "42",
                              "label": "seed (empty: a fresh one)"}
    assert model_params(params, seed=None)[SEED]["value"] == ""


def test_flat_names_round_trip_and_overrides_get_field_types():
    for key, _, _ in iter_specs():
        assert dotted_key(flat_name(key)) == key
    flat = {"leadership__theta_alarm": 0.6000000000000001, "leadership__min_crackdown_months":
            4.0, "agencies__structure": "unified", "sectors__ai__alignment": 0.5}
    assert overrides_from_flat(flat, Params()) == {
        "leadership.theta_alarm": 0.6, "leadership.min_crackdown_months": 4,
        "agencies.structure": "unified", "sectors.ai.alignment": 0.5}
    assert isinstance(overrides_from_flat(flat, Params())["leadership.min_crackdown_months"],
                      int)


@pytest.mark.parametrize(("lo", "hi", "value", "step"), [
    (0.05, 3.0, 0.55, 0.05), (0.0, 2.0, 0.3, 0.05), (0.5, 36.0, 3.0, 0.5),
    (0.0, 100.0, 3.0, 1.0), (0.01, 1.0, 0.45, 0.02), (0.05, 3.0, 0.437, 0.001)])
def test_nice_step_keeps_the_value_on_the_grid(lo, hi, value, step):
    assert nice_step(lo, hi, value) == step


def test_seed_text():
    assert parse_seed(" 42 ") == 42
    assert parse_seed("1_000") == 1000
    assert parse_seed("") is None and parse_seed(None) is None
    assert parse_seed(7) == 7
    for bad in ("abc", "-1", "1.5", True):
        with pytest.raises(ValueError, match="seed"):
            parse_seed(bad)


# --------------------------------------------------------------------------------------------
# The adapter SolaraViz re-instantiates
# --------------------------------------------------------------------------------------------


def test_adapter_maps_flat_arguments_onto_the_scenario():
    m = DashboardModel(rng="5", base=SMALL, leadership__theta_alarm=0.8,
                       agencies__structure="unified", leadership__tau_pain=4.0)
    assert m.p.leadership.theta_alarm == 0.8
    assert m.p.agencies.structure == "unified"
    # the scenario's own values stay
    assert m.p.firms.n_firms == SMALL.firms.n_firms != Params().firms.n_firms
    assert m.changed == {"leadership.theta_alarm": 0.8, "agencies.structure": "unified"}
    assert m.seed == 5
    with pytest.raises(ParameterError, match=r"leadership\.theta_alarm"):
        DashboardModel(base=SMALL, leadership__theta_alarm=9.0)


def test_adapter_is_deterministic_and_keeps_one_history_row_per_month():
    a = DashboardModel(rng=3, base=SMALL)
    b = DashboardModel(rng="3", base=SMALL)
    assert len(a.history) == 1  # the state as built
    for _ in range(12):
        a.step()
        b.step()
    assert a.steps == 12 and len(a.history) == 13
    assert np.array_equal(a.history.get("months"), np.arange(13))
    for q in ("enforcement", "signal", "phase", "valuation", "pain"):
        assert np.array_equal(a.history.get(q), b.history.get(q), equal_nan=True)
    assert a.history.get("enforcement").shape == (13, len(a.sector_names))
    # the history's last row is the month just recorded in the series
    last = a.series().iloc[-1]
    names = a.sector_names
    np.testing.assert_allclose(a.history.get("enforcement")[-1],
                               [last[f"enforcement.{s}"] for s in names])
    np.testing.assert_allclose(a.history.get("signal")[-1], [last[f"signal.{s}"] for s in names])
    assert a.history.get("valuation")[-1] == last["valuation_index"]
    assert a.history.get("pain")[-1] == last["pain"]
    assert a.history.get("perceived_pain")[-1] == last["perceived_pain"]
    ratio = [last[f"perceived_alarm.{s}"] / last[f"threshold.{s}"] for s in names]
    np.testing.assert_allclose(a.history.get("alarm_ratio")[-1], ratio)


def test_mesa_reset_rebuilds_the_adapter_with_the_slider_values():
    # exactly what SolaraViz's Reset does (mesa/visualization/solara_viz.py, Mesa 3.5.1)
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    controls = model_params(SMALL, seed=11)
    user = {**controls, "base": SMALL}
    model = DashboardModel(rng=11, base=SMALL)
    _check_model_params(model, user)  # raises for a parameter the class does not accept
    values = {"base": SMALL, **{k: v["value"] for k, v in controls.items()}}
    values["leadership__theta_alarm"] = 0.9
    values[SEED] = "12"
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    assert isinstance(kwargs.get("scenario"), MesaScenario)  # Mesa adds its own scenario
    rebuilt = type(model)(**kwargs)
    assert rebuilt.p.leadership.theta_alarm == 0.9
    assert rebuilt.seed == 12 and rebuilt.steps == 0
    assert rebuilt.changed == {"leadership.theta_alarm": 0.9}


# --------------------------------------------------------------------------------------------
# Figures, status and events
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stepped() -> DashboardModel:
    # v2 starts from a lax steady state in 2008: the first crackdowns come after years (mostly
    # 2016-2024), so run until a year after the first onset (at most the horizon) to have
    # crackdowns, campaign fines and scandals in the log.
    m = DashboardModel(rng=20240601, base=Params())
    onset = None
    while m.steps < m.p.run.months and (onset is None or m.steps < onset + 12):
        m.step()
        if onset is None and Phase.CRACKDOWN in m.current_phases():
            onset = m.steps
    return m


def test_every_figure_changes_from_month_to_month():
    # identical bytes would not reach the browser: a month must always show
    m = DashboardModel(rng=1, base=SMALL)
    live = {name: LiveFigure(spec) for name, spec in SPECS.items()}
    previous = {name: (png(f(m)), live[name].png(m)) for name, f in FIGURES.items()}
    for _ in range(3):
        m.step()
        now = {name: (png(f(m)), live[name].png(m)) for name, f in FIGURES.items()}
        for name in FIGURES:
            for old, new in zip(previous[name], now[name], strict=True):
                assert new[:8] == b"\x89PNG\r\n\x1a\n"
                assert new != old, f"{name} did not change at month {m.steps}"
        previous = now


def test_live_figures_redraw_their_frame_only_when_its_key_changes():
    m = DashboardModel(rng=20240601, base=Params())
    live = {name: LiveFigure(spec) for name, spec in SPECS.items()}
    frames = {name: set() for name in SPECS}
    for _ in range(120):
        m.step()
        for name, figure in live.items():
            data = figure.png(m)
            frames[name].add(id(figure._fig))
            with PILImage.open(io.BytesIO(data)) as image:
                assert image.size == (round(FIGSIZE[0] * DPI), round(FIGSIZE[1] * DPI))
    for name, ids in frames.items():
        assert 1 <= len(ids) <= 30, (name, len(ids))  # not once a month
    legend = [t.get_text() for t in live["enforcement"]._fig.axes[0].get_legend().get_texts()]
    assert legend[:len(m.sector_names)] == [
        f"{s}: {p.name.lower()}" for s, p in zip(m.sector_names, m.current_phases(),
                                                strict=True)]


def test_figures_are_labelled(stepped):
    for name, f in FIGURES.items():
        fig = f(stepped)
        ax = fig.axes[0]
        assert ax.get_title(loc="left") and ax.get_xlabel() == "year" and ax.get_ylabel(), name
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels, name
    legend = enforcement_figure(stepped).axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    for name, phase in zip(stepped.sector_names, stepped.current_phases(), strict=True):
        assert f"{name}: {phase.name.lower()}" in labels


def test_status_shows_month_phases_changes_and_events(stepped):
    text = status_html(stepped)
    assert f"<b>Month {stepped.steps}</b>" in text
    for name, phase in zip(stepped.sector_names, stepped.current_phases(), strict=True):
        assert f"<td>{name}</td>" in text and f">{phase.name.lower()}</span>" in text
    assert "Changed from the scenario" not in text
    changed = DashboardModel(rng=1, base=SMALL, leadership__theta_alarm=0.7)
    assert "Changed from the scenario: θ = 0.7" in status_html(changed)
    assert "<li>none yet</li>" in status_html(changed)


def test_latest_events_lists_crackdowns_big_fines_and_scandals_newest_first(stepped):
    events = latest_events(stepped, n=500)
    assert events
    months = [e.month for e in events]
    assert months == sorted(months, reverse=True)
    kinds = {e.kind for e in events}
    assert EventKind.SCANDAL.value in kinds
    assert kinds <= {k.value for k in EventKind} - {"entry", "exit", "acquisition",
                                                    "listing_suspension"}
    starts = [e for e in events if e.text.startswith("crackdown starts")]
    logged = [r for r in stepped.events_log.rows
              if r[1] == EventKind.PHASE_CHANGE.value and r[8] == Phase.CRACKDOWN.name]
    assert len(starts) == len(logged) > 0
    fines = [r for r in stepped.events_log.rows if r[1] == EventKind.SANCTION.value]
    big = [r for r in fines if r[6] >= BIG_FINE_SHARE]
    assert len([e for e in events if e.text.startswith("big fine")]) == len(big) < len(fines)
    assert len(latest_events(stepped)) == 12


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def test_dashboard_help(capsys):
    assert main(["dashboard", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--port" in out and "regcycle[dashboard]" in out


def test_without_the_extra_the_command_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setattr(dash_cli, "missing_extra", lambda: "solara")
    monkeypatch.setattr(dash_cli.subprocess, "Popen", _no_server)
    assert main(["dashboard", str(BASELINE)]) == 2
    err = capsys.readouterr().err
    assert INSTALL_HINT in err and "pip install 'regcycle[dashboard]'" in err


def test_bad_scenario_and_bad_set_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(dash_cli.subprocess, "Popen", _no_server)
    assert main(["dashboard", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err
    assert main(["dashboard", str(BASELINE), "--set", "leadership.theta_alarm=9"]) == 2
    assert "leadership.theta_alarm" in capsys.readouterr().err
    assert main(["dashboard", "--port", "70000"]) == 2


def test_port_in_use_exits_2(capsys, monkeypatch):
    monkeypatch.setattr(dash_cli.subprocess, "Popen", _no_server)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", str(BASELINE), "--port", str(port)]) == 2
    assert f"port {port}" in capsys.readouterr().err


def test_command_prints_the_address_and_serves_on_localhost_only(capsys, monkeypatch):
    started = {}

    class FakeServer:
        returncode = 0

        def __init__(self, cmd, env):
            started.update(cmd=cmd, env=env)

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(dash_cli.subprocess, "Popen", FakeServer)
    assert main(["dashboard", "rules_based", "--port", "0", "--set",
                 "firms.n_firms=80"]) == 0
    out = capsys.readouterr().out
    cmd, env = started["cmd"], started["env"]
    port = cmd[cmd.index("--port") + 1]
    assert f"http://127.0.0.1:{port}" in out and int(port) > 0
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd.count("--host") == 1
    assert cmd[1:5] == ["-m", "solara", "run", "sim.app.dashboard.app"]
    assert "--production" in cmd and "--no-open" in cmd
    assert env[ENV_SCENARIO].endswith("rules_based.toml") and Path(env[ENV_SCENARIO]).is_absolute()
    assert env[ENV_SET] == '{"firms.n_firms": 80}'
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_the_page_loads_the_scenario_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_SCENARIO, str(REPO / "scenarios" / "rules_based.toml"))
    monkeypatch.setenv(ENV_SET, '{"leadership.theta_alarm": 0.7}')
    from sim.app.dashboard.source import scenario_from_env

    scenario = scenario_from_env()
    assert scenario.name == "rules_based"
    assert scenario.params.leadership.mode == "rules"
    assert scenario.params.leadership.theta_alarm == 0.7
    assert load_dashboard_scenario(None).name == "baseline"


def test_the_app_module_builds_the_page():
    from sim.app.dashboard import app

    assert [c.__name__ for c, _ in app.COMPONENTS] == [
        "EnforcementFigure", "AlarmFigure", "MarketsFigure", "status_component"]
    assert all(page == 0 for _, page in app.COMPONENTS)
    assert callable(app.Page)


def _no_server(*args, **kwargs):
    raise AssertionError("the server must not start")


def test_defaults_scenario_when_no_file(monkeypatch, tmp_path):
    from sim.app.dashboard import source

    monkeypatch.setattr(source, "scenario_dirs", lambda: [tmp_path])
    scenario = source.load_dashboard_scenario(None)
    assert scenario.name == "defaults" and scenario.params == Params()
    assert dataclasses.asdict(scenario.params) == dataclasses.asdict(Params())


def test_drawing_while_another_thread_plays():
    # SolaraViz plays the model in a thread while the page draws: the page draws under the
    # model's lock, which a month holds from its first stage to its history row
    import threading

    m = DashboardModel(rng=2, base=SMALL)
    live = {name: LiveFigure(spec) for name, spec in SPECS.items()}
    errors: list[BaseException] = []

    def play():
        try:
            for _ in range(40):
                m.step()
        except BaseException as exc:  # reported below
            errors.append(exc)

    player = threading.Thread(target=play)
    player.start()
    drawn = 0
    while player.is_alive() or drawn == 0:
        with m.lock:
            assert len(m.history) == m.history.get("months")[-1] + 1
            for figure in live.values():
                figure.png(m)
            status_html(m)
        drawn += 1
    player.join()
    assert not errors and m.steps == 40 and drawn >= 1


# --------------------------------------------------------------------------------------------
# The browser test's precondition (test_dashboard_browser.py), without a browser
# --------------------------------------------------------------------------------------------


def test_browser_test_skips_without_chromium_unless_the_browser_is_required(tmp_path,
                                                                          monkeypatch):
    check, require = browser_test.browser_check, browser_test.REQUIRE_BROWSER
    missing, present = tmp_path / "no-chromium", tmp_path / "chromium"
    present.touch()
    assert check(present, {}) is None
    action, why = check(missing, {})
    assert action == "skip"
    assert str(missing) in why and "apt-get install chromium" in why and require in why
    assert check(missing, {require: "0"})[0] == "skip"
    action, why = check(missing, {require: "1"})
    assert action == "fail" and "apt-get install chromium" in why
    # without Playwright: the same rule
    action, why = check(present, {}, playwright=False)
    assert action == "skip" and "pip install -e '.[test]'" in why
    assert check(present, {require: "1"}, playwright=False)[0] == "fail"
    # without the dashboard extra the install is incomplete: a failure either way
    assert check(present, {}, extra="solara") == (
        "fail", f"the browser test cannot run: the dashboard extra is missing (solara): "
        f"{INSTALL_HINT}")
    # the test's own call: pytest's skip, or its failure when the variable demands the browser
    monkeypatch.setattr(browser_test, "CHROMIUM", missing)
    monkeypatch.delenv(require, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser_test._require_browser()
    monkeypatch.setenv(require, "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        browser_test._require_browser()
