"""PyTorch reference for the paper TVAE's training loop, for side-by-side speed.

Follows the original code's loop: the anchor, positive and negative batches go
through the network in three separate forward passes; the loss is
0.01 * ELBO (summed BCE + KL, averaged per image over the three batches)
+ margin-ranking(0.2) on Euclidean distances between means
+ 0.001 * the Frobenius norms of the three mean batches; Adam 1e-3; 128 triplets
a batch. The images are random: a step costs the same whatever the pixels.

Usage: python3 benchmarks/pytorch_reference.py [STEPS [THREADS]]
THREADS defaults to the number of cores (this Debian build starts with 1).
Prints one line: images/s (3 * 128 images per step), after a warm-up.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class PaperVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(784, 400)
        self.mu = nn.Linear(400, 20)
        self.logvar = nn.Linear(400, 20)
        self.dec_hidden = nn.Linear(20, 400)
        self.dec_out = nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.dec_out(F.relu(self.dec_hidden(z)))
        return logits, mu, logvar


def nelbo_sum(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count())
    batch = 128
    torch.manual_seed(1)
    model = PaperVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ranking = nn.MarginRankingLoss(margin=0.2)
    data = torch.rand(3, 20, batch, 784)  # a pool of batches, reused
    ones = torch.ones(batch)

    def step(i):
        a, p, n = data[0, i % 20], data[1, i % 20], data[2, i % 20]
        la, ma, va = model(a)
        lp, mp, vp = model(p)
        ln, mn, vn = model(n)
        elbo = (nelbo_sum(la, a, ma, va) + nelbo_sum(lp, p, mp, vp) + nelbo_sum(ln, n, mn, vn)) / (3 * batch)
        # Ranking target 1: the anchor-negative distance should exceed anchor-positive.
        triplet = ranking(F.pairwise_distance(ma, mn), F.pairwise_distance(ma, mp), ones)
        norms = ma.norm(2) + mp.norm(2) + mn.norm(2)
        loss = 0.01 * elbo + triplet + 0.001 * norms
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(20):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__} threads {torch.get_num_threads()}: "
          f"{3 * batch * steps / seconds:.0f} images/s ({1000 * seconds / steps:.1f} ms/step)")


if __name__ == "__main__":
    main()
