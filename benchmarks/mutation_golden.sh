#!/bin/bash
# Golden-test check of surviving mutants, one fresh process per mutant (benchmarks/MUTATION.md).
# mutmut's in-process runs do not see the golden test fail (it caches its runs at module
# level), so survivors are re-checked here. Run from the mutation copy (the directory that
# holds mutants/); usage:  mutation_golden.sh SURVIVORS.txt OUT.tsv   (one mutant name a line)
PY=${PY:-/work/scratch/mutvenv/bin/python}
IN=$(realpath "$1"); OUT=$(realpath "$2")
cd mutants || exit 1
while read -r m; do
  [ -z "$m" ] && continue
  MUTANT_UNDER_TEST="$m" timeout 300 "$PY" -m pytest -x -q -p no:cacheprovider tests/regression \
    >/dev/null 2>&1 && echo -e "$m\tsurvived" >> "$OUT" || echo -e "$m\tkilled" >> "$OUT"
done < "$IN"
