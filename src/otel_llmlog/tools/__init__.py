"""The tools on top: the ``otel-llmlog`` command (:mod:`.cli`) and the modules its commands run.

:mod:`.demo` (instrumented calls against the stand-in), :mod:`.reference` (``schema``,
``attributes``) and the log explorer :mod:`.explorer` (``logs``, ``show``, ``stats``). Tools may
import every layer; no layer imports them.
"""
