"""The stance model: runtime handler (ONNX Runtime) and, in the ``train`` extra, training and evaluation."""
