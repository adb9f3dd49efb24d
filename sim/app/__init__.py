"""The front ends of regcycle.

The ``regcycle`` command and its analysis subcommands, the Solara dashboard,
the helpers the notebooks call and the generator of the documentation's tables.
"""
