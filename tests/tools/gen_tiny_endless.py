#!/usr/bin/env python3
"""Write OUT_DIR/tiny-text-endless.gguf: the tiny random text model of gen_tiny_vlm.py
(same vocab, same 64-wide embeddings, so tiny-mmproj.gguf fits it) that never ends its
answer: the end-of-text and other control tokens always score far below the rest, so a
generation runs to max_tokens. Tests use it to cancel a generation that is surely still
running.

How: every token embedding gets a large constant in dimension 0, which dominates the
normalised hidden state; the output rows of the control tokens are -2 in that dimension
(every other row 0), so their logits sit about 16 below the others whatever the context.

Usage: python gen_tiny_endless.py OUT_DIR   (needs gguf==0.19.0 numpy, like gen_tiny_vlm.py)
"""
import os
import runpy
import shutil
import sys
import tempfile

import gguf

out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
here = os.path.dirname(os.path.abspath(__file__))
N_CONTROL = 3  # gen_tiny_vlm.py appends <|endoftext|>, <start_of_image>, <end_of_image> last

original_add_tensor = gguf.GGUFWriter.add_tensor


def add_tensor(self, name, tensor, *args, **kwargs):
    if name == "token_embd.weight":
        tensor = tensor.copy()
        tensor[:, 0] = 10.0
    elif name == "output.weight":
        tensor = tensor.copy()
        tensor[:, 0] = 0.0
        tensor[-N_CONTROL:, 0] = -2.0
    return original_add_tensor(self, name, tensor, *args, **kwargs)


gguf.GGUFWriter.add_tensor = add_tensor
with tempfile.TemporaryDirectory() as tmp:
    sys.argv = [os.path.join(here, "gen_tiny_vlm.py"), tmp]
    runpy.run_path(sys.argv[0], run_name="__main__")
    os.makedirs(out_dir, exist_ok=True)
    shutil.move(os.path.join(tmp, "tiny-text.gguf"), os.path.join(out_dir, "tiny-text-endless.gguf"))
print("wrote", os.path.join(out_dir, "tiny-text-endless.gguf"))
