import torch
print("torch", torch.__version__, "cuda", torch.version.cuda)
