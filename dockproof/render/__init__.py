"""Draw a model's state graph: a diagram IR built from the explored StateSpace, then renderers.

Pipeline: ``views`` builds a frozen `Diagram` from a model and its reachable graph (never by
hand), ``scale`` keeps big graphs readable, and one renderer per format writes it: ``dot``
(DOT text, no dependency), ``mermaid``, ``jsonout`` and ``image`` (svg/png/pdf through the
graphviz binary).
"""
