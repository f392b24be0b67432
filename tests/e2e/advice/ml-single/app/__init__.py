"""A tiny inference service: loads models/model.safetensors and answers on :8000."""
