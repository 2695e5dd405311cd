"""Coefficients of the document-injection model (generated: do not edit by hand).

Written by benchmarks/fit_injection_model.py.
Fitted on BIPIA's train split: 3750 planted attacks (positives) and 516
sentences of clean train emails (negatives) weighted 3x, L2 = 1.
Features, in order: output_ref, gen_verb, task_verb, ask_assistant, content_object,
obfuscation, question, off_topic.
"""

INTERCEPT = -4.0498
COEFFICIENTS: tuple[float, ...] = (2.8369, 2.4469, 2.5943, 0.2246, 1.2693, 0.9669, 3.2871, 1.8672)
