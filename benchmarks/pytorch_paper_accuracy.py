"""The paper TVAE trained by the original code's loop in PyTorch, for its accuracy.

Answers one question about the reproduction issue: does the paper's recipe, run
as the original code runs it, reach the paper's 95.60% on this machine? The
loop is pytorch_reference.py's (three forward passes a batch; 0.01 * ELBO +
margin-ranking 0.2 + 0.001 * norms; Adam 1e-3; 128 triplets a batch), on the
real MNIST: 50,000 training triplets (5,000 anchors a class, a positive of the
anchor's class that is not the anchor, a negative of another class), drawn once
with torch's generator and shuffled every epoch, 10 epochs. Triplet accuracy is
measured after every epoch on the test triplets a tvae run saved
(RUN_DIR/test_triplets.csv), so both are scored on the same 10,000 triplets.

Usage: python3 benchmarks/pytorch_paper_accuracy.py DATA_DIR RUN_DIR SEED [TRAIN_LIST TEST_LIST]
Prints one line per epoch: epoch, triplet accuracy %, test -ELBO (nats).

With TRAIN_LIST and TEST_LIST it trains on, and scores on, the triplet lists the
original code wrote to its data folder (data/processed/train_triplets.txt and
test_triplets.txt in the authors' repository: one "anchor far close" line of
space-separated image indices per triplet) instead of drawing its own; RUN_DIR is
then not read.
"""
import gzip
import sys

import torch
import torch.nn.functional as F
from torch import nn

from pytorch_reference import PaperVAE, nelbo_sum


def idx(path, header):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return torch.frombuffer(bytearray(raw[header:]), dtype=torch.uint8)


def mnist(data_dir, split):
    images = idx(f"{data_dir}/mnist/{split}-images-idx3-ubyte.gz", 16).reshape(-1, 784).float() / 255
    labels = idx(f"{data_dir}/mnist/{split}-labels-idx1-ubyte.gz", 8).long()
    return images, labels


def training_triplets(labels, per_class, gen):
    rows = []
    for c in range(10):
        same = (labels == c).nonzero().squeeze(1)
        other = (labels != c).nonzero().squeeze(1)
        a = same[torch.randint(len(same), (per_class,), generator=gen)]
        p = same[torch.randint(len(same), (per_class,), generator=gen)]
        while (clash := a == p).any():  # redraw positives equal to their anchor
            p[clash] = same[torch.randint(len(same), (int(clash.sum()),), generator=gen)]
        n = other[torch.randint(len(other), (per_class,), generator=gen)]
        rows.append(torch.stack([a, p, n], 1))
    return torch.cat(rows)


def test_triplets(run_dir):
    with open(f"{run_dir}/test_triplets.csv") as f:
        next(f)
        return torch.tensor([[int(v) for v in line.split(",")] for line in f])


def original_list(path):
    """Reads the original code's "anchor far close" lines as anchor, positive, negative rows."""
    with open(path) as f:
        rows = [[int(v) for v in line.split()] for line in f if line.strip()]
    return torch.tensor(rows)[:, [0, 2, 1]]


def main():
    data_dir, run_dir, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x, y = mnist(data_dir, "train")
    tx, _ = mnist(data_dir, "t10k")
    if len(sys.argv) > 5:
        train, test = original_list(sys.argv[4]), original_list(sys.argv[5])
    else:
        train, test = training_triplets(y, 5000, gen), test_triplets(run_dir)
    model = PaperVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ranking = nn.MarginRankingLoss(margin=0.2)
    for epoch in range(1, 11):
        for batch in train[torch.randperm(len(train), generator=gen)].split(128):
            a, p, n = x[batch[:, 0]], x[batch[:, 1]], x[batch[:, 2]]
            la, ma, va = model(a)
            lp, mp, vp = model(p)
            ln, mn, vn = model(n)
            elbo = (nelbo_sum(la, a, ma, va) + nelbo_sum(lp, p, mp, vp) + nelbo_sum(ln, n, mn, vn)) / (3 * len(batch))
            triplet = ranking(F.pairwise_distance(ma, mn), F.pairwise_distance(ma, mp), torch.ones(len(batch)))
            loss = 0.01 * elbo + triplet + 0.001 * (ma.norm(2) + mp.norm(2) + mn.norm(2))
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            logits, mu, logvar = model(tx)
            nelbo = nelbo_sum(logits, tx, mu, logvar).item() / len(tx)
            d_ap = (mu[test[:, 0]] - mu[test[:, 1]]).norm(dim=1)
            d_an = (mu[test[:, 0]] - mu[test[:, 2]]).norm(dim=1)
            accuracy = 100 * (d_ap < d_an).float().mean().item()
        print(f"{epoch} {accuracy:.2f} {nelbo:.2f}", flush=True)


if __name__ == "__main__":
    main()
