#!/usr/bin/python3
"""generation-reference.py — golden greedy and beam-search outputs for the tiny GPT-2
checkpoints, decoded the way Hugging Face transformers' `model.generate` decodes them.

How: /usr/bin/python3 tooling/gpt2-fixtures/generation-reference.py   (after make-checkpoints.py)
Writes packages/bg-gpt2/fixtures/generation-reference.json (compact JSON, deterministic: no
randomness, float32 on CPU, fixed prompts and settings). About 10 s on 2 cores.

HF transformers cannot be installed here, so its decoding is re-implemented below from its
documented behaviour on top of the plain-torch forward of gpt2_common.py (full recompute each
step, no KV cache: same numbers up to float rounding). Semantics followed: transformers >= 4.50
(`GenerationMixin._sample` for greedy, the vectorised `GenerationMixin._beam_search` that
replaced `BeamSearchScorer` in 4.50), batch size 1, for GPT-2 (decoder-only, prompt length P):

greedy (num_beams 1, do_sample False)
  each step: logits of the last position (float32) -> logits processors (on the raw logits) ->
  argmax (first index on ties); stop after an eos id (kept in the output) or at max_length.

beam search (num_beams > 1, do_sample False)
  - num_beams copies of the prompt; running scores [0, -1e9, ...] so the first step only
    expands beam 0; finished slots start at -1e9.
  - each step: log_softmax(float32 logits) -> processors (they see log-probs) -> + running
    score; top K = max(2, 1 + number of eos ids) * num_beams of all beams x vocabulary.
  - a candidate "hits the stopping criteria" when its new token is an eos id or its length
    reaches max_length. Of those, only the ones ranked < num_beams among the K may become
    finished hypotheses, scored sum_logprobs / (generated length, eos included) **
    length_penalty; the finished set is the best num_beams of (old finished, new ones).
    No new hypotheses once num_beams are finished and early_stopping is True.
  - next running beams: the best num_beams candidates that did not hit a stopping criterion.
  - stop when (a) all K candidates hit a criterion (max_length), or (b) early_stopping is True
    and num_beams hypotheses are finished, or (c) all num_beams slots are finished and the
    best running score / L ** length_penalty is not above the worst finished score, where
    L = max_length - P if early_stopping == "never" and length_penalty > 0, else the current
    generated length (the heuristic of early_stopping False).
  - output: the best num_return_sequences finished hypotheses, best first, with
    `sequences_scores` = their length-normalised scores. (HF pads the shorter ones on the
    right with pad_token_id, which defaults to the eos id; the fixture stores each sequence
    unpadded, up to and including its eos.)

Where older transformers differ (not followed here):
  - 4.35 - 4.49 (`BeamSearchScorer` / `BeamHypotheses`): the same length normalisation
    (generated length, eos included), but the "can a running beam still win" test used the best
    of all K candidates (an eos candidate included) instead of the best running beam, and at
    max_length `finalize` added every running beam (which may come from ranks >= num_beams)
    instead of only the top num_beams candidates of the last step.
  - <= 4.34: hypotheses were normalised by the whole sequence length, prompt included and eos
    excluded (`hyp.shape[-1] ** length_penalty`), and the heuristic used cur_len likewise, so
    `sequences_scores` (and, with length_penalty != 0, the ranking) differ for prompts.

Logits processors, in generate's order (`_get_logits_processor`):
  - repetition_penalty (RepetitionPenaltyLogitsProcessor): for each distinct id in the whole
    sequence (prompt included) score < 0 ? score * p : score / p.
  - no_repeat_ngram_size n (NoRepeatNGramLogitsProcessor): the n-grams of the whole sequence;
    every id that followed an earlier occurrence of the last n-1 ids gets -inf.

Each case also records `min_margin`: the smallest score gap on which one of its decisions
turned — greedy: top-1 vs top-2 processed logit; beam: the num_beams-th vs the next continuing
candidate, rank num_beams - 1 vs num_beams when a stopping candidate is at that boundary, the
num_beams-th vs the next finished hypothesis, the order of the returned ones, and the
early-stopping comparison (length-normalised gaps are multiplied back by L ** length_penalty,
i.e. measured in summed log-prob units). The script asserts it is >= MIN_MARGIN, so that ONNX
Runtime's float32 rounding (~1e-6 per logit, accumulated over <= 30 steps) cannot flip a
decision and the JS test can require identical ids (greedy >= 2e-5: one logit against another
of the same forward pass; beam >= 1e-4: sums over many steps).
"""

import json
import math
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_common import FIXTURES, REPO, gpt2_forward, to_f32_state  # noqa: E402

OUT = os.path.join(REPO, "packages", "bg-gpt2", "fixtures", "generation-reference.json")
# Decisions must clear ONNX Runtime's float32 rounding by far: a greedy choice compares two
# logits of one forward pass (|error| ~ 1e-6); beam decisions compare sums over <= 30 steps.
MIN_MARGIN = {"greedy": 2e-5, "beam": 1e-4}
NEG = -1.0e9

# Prompts (token ids; vocabulary 0..999, n_positions 128).
PROMPTS = {
    "one": [464],
    "p8": [464, 329, 17, 999, 0, 512, 77, 801],
    "p20": [(i * 7919 + 13) % 1000 for i in range(20)],
    # 118 ids: with max_length = n_positions = 128 at most 10 tokens fit.
    "near-limit": [(i * 389 + 71) % 1000 for i in range(118)],
}

# eos ids that the random models really produce (frequent greedy / top-4 tokens, found by
# decoding a dozen random prompts) for the greedy cases and as a second eos id; the beam cases
# use beam_eos(). 999 is the config's eos, which these prompts never reach.
EOS = {"tiny-gpt2": [295, 391], "tiny-gpt2-untied": [382, 414]}


# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------


class Model:
    def __init__(self, name):
        folder = os.path.join(FIXTURES, name)
        with open(os.path.join(folder, "config.json")) as f:
            self.cfg = json.load(f)
        self.sd = to_f32_state(torch.load(os.path.join(folder, "pytorch_model.bin")))
        self.vocab = self.cfg["vocab_size"]

    @torch.no_grad()
    def last_logits(self, rows):
        """rows: LongTensor [B, T] (equal lengths, no padding) -> float32 [B, V]."""
        logits, _ = gpt2_forward(self.sd, self.cfg, rows)
        return logits[:, -1, :].float()


# ---------------------------------------------------------------------------------------
# Logits processors (HF semantics), applied row by row: input_ids [B, T], scores [B, V]
# ---------------------------------------------------------------------------------------


def repetition_penalty(penalty):
    def process(input_ids, scores):
        score = torch.gather(scores, 1, input_ids)
        score = torch.where(score < 0, score * penalty, score / penalty)
        return scores.scatter(1, input_ids, score)

    return process


def no_repeat_ngram(n):
    def process(input_ids, scores):
        cur_len = input_ids.shape[1]
        if cur_len + 1 < n:
            return scores
        scores = scores.clone()
        for row in range(input_ids.shape[0]):
            tokens = input_ids[row].tolist()
            following = {}
            for start in range(len(tokens) - n + 1):
                gram = tokens[start : start + n]
                following.setdefault(tuple(gram[:-1]), []).append(gram[-1])
            banned = following.get(tuple(tokens[cur_len - n + 1 :]), [])
            scores[row, banned] = -float("inf")
        return scores

    return process


def processors_for(hf):
    chain = []
    if hf.get("repetition_penalty", 1.0) != 1.0:
        chain.append(repetition_penalty(hf["repetition_penalty"]))
    if hf.get("no_repeat_ngram_size", 0) > 0:
        chain.append(no_repeat_ngram(hf["no_repeat_ngram_size"]))

    def apply(input_ids, scores):
        for process in chain:
            scores = process(input_ids, scores)
        return scores

    return apply


def eos_ids(hf):
    eos = hf["eos_token_id"]
    return [eos] if isinstance(eos, int) else list(eos)


def max_length_of(hf, prompt_len):
    return prompt_len + hf["max_new_tokens"] if "max_new_tokens" in hf else hf["max_length"]


def f32(x):
    """A float32 value as the shortest decimal that reads back to the same float32."""
    x = float(x)
    for digits in range(6, 10):
        s = "%.*g" % (digits, x)
        if torch.tensor(float(s), dtype=torch.float32).item() == torch.tensor(x, dtype=torch.float32).item():
            return float(s)
    return x


# ---------------------------------------------------------------------------------------
# Greedy (GenerationMixin._sample with do_sample=False)
# ---------------------------------------------------------------------------------------


def greedy(model, prompt, hf):
    process = processors_for(hf)
    eos = eos_ids(hf)
    max_length = max_length_of(hf, len(prompt))
    ids = torch.tensor([prompt], dtype=torch.long)
    logprobs = []
    margin = math.inf
    finish = "length"
    while True:
        scores = process(ids, model.last_logits(ids))
        token = int(torch.argmax(scores[0]))
        top2 = torch.topk(scores[0], 2).values
        margin = min(margin, float(top2[0] - top2[1]))
        logprobs.append(f32(torch.log_softmax(scores[0], -1)[token]))
        ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
        if token in eos:
            finish = "eos"
            break
        if ids.shape[1] >= max_length:
            break
    return {"sequences": [{"ids": ids[0, len(prompt) :].tolist(), "finish": finish, "logprobs": logprobs}]}, margin


# ---------------------------------------------------------------------------------------
# Beam search (the vectorised GenerationMixin._beam_search, transformers >= 4.50), batch 1
# ---------------------------------------------------------------------------------------


def gaps(values):
    values = [v for v in values if v > NEG / 2]
    return [values[i] - values[i + 1] for i in range(len(values) - 1)]


def scaled_gaps(scores, lengths, length_penalty):
    """Gaps between consecutive length-normalised scores, in log-prob units (each gap times the
    smaller of the two L ** length_penalty): rounding errors of the summed log-probs are divided
    by L ** length_penalty too, so this is what must stay clear of them."""
    out = []
    for i in range(len(scores) - 1):
        if scores[i + 1] <= NEG / 2:
            break
        scale = min(float(lengths[i]) ** length_penalty, float(lengths[i + 1]) ** length_penalty)
        out.append(float(scores[i] - scores[i + 1]) * scale)
    return out


def beam_search(model, prompt, hf):
    process = processors_for(hf)
    eos = eos_ids(hf)
    num_beams = hf["num_beams"]
    length_penalty = hf.get("length_penalty", 1.0)
    early_stopping = hf.get("early_stopping", False)
    num_return_sequences = hf.get("num_return_sequences", 1)
    P = len(prompt)
    max_length = max_length_of(hf, P)
    V = model.vocab
    keep = max(2, 1 + len(eos)) * num_beams
    top_mask = torch.tensor([True] * num_beams + [False] * (keep - num_beams))
    eos_tensor = torch.tensor(eos)

    running = torch.full((num_beams, max_length), eos[0], dtype=torch.long)
    running[:, :P] = torch.tensor(prompt)
    running_scores = torch.zeros(num_beams, dtype=torch.float32)
    running_scores[1:] = NEG
    finished = running.clone()
    finished_scores = torch.full((num_beams,), NEG, dtype=torch.float32)
    finished_lengths = torch.zeros(num_beams, dtype=torch.long)  # generated tokens, eos included
    is_finished = torch.zeros(num_beams, dtype=torch.bool)
    margin = math.inf
    cur_len = P

    while True:
        flat = running[:, :cur_len]
        log_probs = torch.log_softmax(model.last_logits(flat), dim=-1)
        log_probs = process(flat, log_probs)
        accumulated = (log_probs + running_scores[:, None]).reshape(-1)
        top_values, top_indices = torch.topk(accumulated, keep)
        parents = top_indices // V
        tokens = top_indices % V
        candidates = running[parents].clone()
        candidates[:, cur_len] = tokens

        # stopping criteria of each candidate: eos id, or max_length reached
        hits = torch.isin(tokens, eos_tensor) | (cur_len + 1 >= max_length)

        # decisions: which candidates continue (the best num_beams that do not stop, over all
        # beams x vocabulary), and whether a stopping candidate ranks < num_beams
        if cur_len + 1 < max_length:
            continuing = accumulated.clone().view(num_beams, V)
            continuing[:, eos_tensor] = -math.inf
            margin = min([margin] + gaps(torch.topk(continuing.view(-1), num_beams + 1).values.tolist())[-1:])
        if bool(hits[num_beams - 1]) or bool(hits[num_beams]):
            margin = min([margin] + gaps(top_values[num_beams - 1 : num_beams + 1].tolist()))

        # next running beams: the best num_beams candidates that did not stop
        running_candidates = top_values + hits.to(torch.float32) * NEG
        chosen = torch.topk(running_candidates, num_beams).indices
        running = candidates[chosen]
        running_scores = running_candidates[chosen]

        # finished hypotheses: the stopped candidates among the top num_beams
        just_finished = hits & top_mask
        normalised = top_values / ((cur_len + 1 - P) ** length_penalty)
        full = bool(is_finished.all()) and early_stopping is True
        normalised = normalised + float(full) * NEG
        normalised = normalised + (~just_finished).to(torch.float32) * NEG
        merged_scores = torch.cat([finished_scores, normalised])
        merged = torch.cat([finished, candidates])
        merged_lengths = torch.cat([finished_lengths, torch.full((keep,), cur_len + 1 - P)])
        merged_finished = torch.cat([is_finished, just_finished])
        order = torch.topk(merged_scores, num_beams + 1).indices
        stays = scaled_gaps(merged_scores[order], merged_lengths[order], length_penalty)[num_beams - 1 :]
        margin = min([margin] + stays)
        best = order[:num_beams]
        finished, finished_scores = merged[best], merged_scores[best]
        finished_lengths, is_finished = merged_lengths[best], merged_finished[best]

        cur_len += 1
        if early_stopping == "never" and length_penalty > 0.0:
            best_length = max_length - P
        else:
            best_length = cur_len - P
        best_possible = running_scores[0] / (best_length**length_penalty)
        if bool(is_finished.all()):
            worst = finished_scores.min()
            worst_length = float(finished_lengths[torch.argmin(finished_scores)])
            scale = min(best_length**length_penalty, worst_length**length_penalty)
            margin = min(margin, abs(float(best_possible - worst)) * scale)
            improvement_possible = bool(best_possible > worst)
        else:
            improvement_possible = True
        open_beam = not (bool(is_finished.all()) and early_stopping is True)
        valid_continuations = not bool(hits.all())
        if not (improvement_possible and open_beam and valid_continuations):
            break

    # the order of the returned hypotheses, and which are returned
    returned = slice(0, num_return_sequences + 1)
    margin = min([margin] + scaled_gaps(finished_scores[returned], finished_lengths[returned], length_penalty))
    sequences = []
    for i in range(num_return_sequences):
        assert bool(is_finished[i]), "fewer finished hypotheses than num_return_sequences"
        ids = finished[i, P : P + int(finished_lengths[i])].tolist()
        sequences.append(
            {"ids": ids, "finish": "eos" if ids[-1] in eos else "length", "score": f32(finished_scores[i])}
        )
    return {"sequences": sequences, "steps": cur_len - P}, margin


# ---------------------------------------------------------------------------------------
# For comparison only (not written to the fixture): BeamSearchScorer / BeamHypotheses as in
# transformers 4.35 - 4.49, to show which cases depend on the version.
# ---------------------------------------------------------------------------------------


def beam_search_legacy(model, prompt, hf):
    process = processors_for(hf)
    eos = eos_ids(hf)
    num_beams = hf["num_beams"]
    length_penalty = hf.get("length_penalty", 1.0)
    early_stopping = hf.get("early_stopping", False)
    P = len(prompt)
    max_length = max_length_of(hf, P)
    V = model.vocab
    keep = max(2, 1 + len(eos)) * num_beams
    input_ids = torch.tensor([prompt] * num_beams, dtype=torch.long)
    beam_scores = torch.zeros(num_beams, dtype=torch.float32)
    beam_scores[1:] = NEG
    hypotheses = []  # (score, ids without the eos)
    worst = 1e9
    done = False

    def add(ids, sum_logprobs, generated_len):
        nonlocal worst
        score = sum_logprobs / (generated_len**length_penalty)
        if len(hypotheses) < num_beams or score > worst:
            hypotheses.append((score, ids))
            if len(hypotheses) > num_beams:
                ranked = sorted((s, i) for i, (s, _) in enumerate(hypotheses))
                del hypotheses[ranked[0][1]]
                worst = ranked[1][0]
            else:
                worst = min(score, worst)

    while True:
        cur_len = input_ids.shape[1]
        log_probs = process(input_ids, torch.log_softmax(model.last_logits(input_ids), dim=-1))
        accumulated = (log_probs + beam_scores[:, None]).reshape(-1)
        values, indices = torch.topk(accumulated, keep)
        next_scores, next_tokens, next_parents = [], [], []
        for rank in range(keep):
            token, parent, score = int(indices[rank]) % V, int(indices[rank]) // V, float(values[rank])
            if token in eos:
                if rank < num_beams:
                    add(input_ids[parent].clone(), score, cur_len + 1 - P)
            else:
                next_scores.append(score)
                next_tokens.append(token)
                next_parents.append(parent)
            if len(next_scores) == num_beams:
                break
        if len(hypotheses) >= num_beams:
            best = float(values.max())
            if early_stopping is True:
                done = True
            else:
                length = max_length - P if early_stopping == "never" and length_penalty > 0 else cur_len + 1 - P
                done = done or worst >= best / (length**length_penalty)
        input_ids = torch.cat([input_ids[next_parents], torch.tensor(next_tokens)[:, None]], dim=1)
        beam_scores = torch.tensor(next_scores, dtype=torch.float32)
        if done or input_ids.shape[1] >= max_length:
            break
    if not done:  # finalize: every running beam becomes a hypothesis
        for row in range(num_beams):
            add(input_ids[row], float(beam_scores[row]), input_ids.shape[1] - P)
    ranked = sorted(hypotheses, key=lambda h: h[0], reverse=True)[: hf.get("num_return_sequences", 1)]
    sequences = []
    for score, ids in ranked:
        ids = ids[P:].tolist()
        if P + len(ids) < max_length:
            ids.append(eos[0])  # finalize writes eos_token_id[0] after a finished hypothesis
        sequences.append({"ids": ids, "score": f32(score)})
    return sequences


# ---------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------


def beam_eos(model, prompt):
    """An eos id for the beam cases of one prompt that beams really reach: the 3rd token of the
    best 4-beam hypothesis when nothing can finish early (eos 999, which these prompts never
    reach). With it, hypotheses finish after a few steps and the early_stopping variants and
    length penalties pick different winners."""
    result, _ = beam_search(model, PROMPTS[prompt], {"num_beams": 4, "max_new_tokens": 8, "eos_token_id": 999})
    ids = result["sequences"][0]["ids"]
    assert 999 not in ids
    return ids[2]


def cases(models):
    out = []

    def add(model, prompt, hf, name):
        out.append({"name": name, "model": model, "prompt": prompt, "hf": hf})

    for model in ["tiny-gpt2", "tiny-gpt2-untied"]:
        eos_a, eos_b = EOS[model]
        eos_for = {prompt: beam_eos(models[model], prompt) for prompt in ["one", "p8", "p20", "near-limit"]}
        # greedy
        for prompt in ["one", "p8", "p20"]:
            add(model, prompt, {"max_new_tokens": 30, "eos_token_id": 999}, f"greedy {prompt}")
            add(model, prompt, {"max_new_tokens": 30, "eos_token_id": eos_a}, f"greedy {prompt} eos {eos_a}")
            add(
                model,
                prompt,
                {"max_new_tokens": 30, "eos_token_id": 999, "repetition_penalty": 1.5},
                f"greedy {prompt} repetition_penalty 1.5",
            )
            add(
                model,
                prompt,
                {"max_new_tokens": 30, "eos_token_id": 999, "no_repeat_ngram_size": 2},
                f"greedy {prompt} no_repeat_ngram_size 2",
            )
        add(
            model,
            "p20",
            {"max_new_tokens": 30, "eos_token_id": eos_a, "repetition_penalty": 0.8, "no_repeat_ngram_size": 3},
            "greedy p20 repetition_penalty 0.8 + no_repeat_ngram_size 3",
        )
        add(model, "near-limit", {"max_length": 128, "eos_token_id": 999}, "greedy near-limit max_length 128")

        # beam search grid: beams x early_stopping x length_penalty, eos that finishes beams
        for prompt in ["one", "p8", "p20"]:
            for num_beams in [2, 4]:
                for early_stopping in [True, False, "never"]:
                    for length_penalty in [1.0, 0.5, 2.0]:
                        hf = {
                            "num_beams": num_beams,
                            "early_stopping": early_stopping,
                            "length_penalty": length_penalty,
                            "num_return_sequences": num_beams,
                            "max_new_tokens": 20,
                            "eos_token_id": eos_for[prompt],
                        }
                        add(
                            model,
                            prompt,
                            hf,
                            f"beam {prompt} {num_beams} beams early_stopping {early_stopping} "
                            f"length_penalty {length_penalty}",
                        )
        # fewer returned sequences, no eos in reach (only max_length ends the beams), two eos ids
        for prompt in ["one", "p20"]:
            add(
                model,
                prompt,
                {"num_beams": 4, "num_return_sequences": 1, "max_new_tokens": 12, "eos_token_id": 999},
                f"beam {prompt} 4 beams eos 999 (length only)",
            )
            add(
                model,
                prompt,
                {
                    "num_beams": 4,
                    "num_return_sequences": 2,
                    "max_new_tokens": 20,
                    "eos_token_id": [eos_for[prompt], eos_b if eos_b != eos_for[prompt] else eos_a],
                },
                f"beam {prompt} 4 beams two eos ids",
            )
            add(
                model,
                prompt,
                {
                    "num_beams": 3,
                    "num_return_sequences": 3,
                    "max_new_tokens": 12,
                    "eos_token_id": eos_for[prompt],
                    "length_penalty": -1.0,
                    "early_stopping": "never",
                },
                f"beam {prompt} 3 beams length_penalty -1 never",
            )
        # processors with beam search
        for prompt in ["one", "p8"]:
            add(
                model,
                prompt,
                {
                    "num_beams": 4,
                    "num_return_sequences": 4,
                    "max_new_tokens": 20,
                    "eos_token_id": eos_for[prompt],
                    "repetition_penalty": 1.2,
                },
                f"beam {prompt} 4 beams repetition_penalty 1.2",
            )
            add(
                model,
                prompt,
                {
                    "num_beams": 4,
                    "num_return_sequences": 2,
                    "max_new_tokens": 16,
                    "eos_token_id": eos_for[prompt],
                    "no_repeat_ngram_size": 2,
                },
                f"beam {prompt} 4 beams no_repeat_ngram_size 2",
            )
            add(
                model,
                prompt,
                {
                    "num_beams": 2,
                    "num_return_sequences": 2,
                    "max_new_tokens": 20,
                    "eos_token_id": eos_for[prompt],
                    "repetition_penalty": 1.5,
                    "no_repeat_ngram_size": 3,
                    "early_stopping": True,
                    "length_penalty": 0.5,
                },
                f"beam {prompt} 2 beams repetition_penalty 1.5 + no_repeat_ngram_size 3",
            )
        # the context limit: 118-token prompt, max_length = n_positions
        add(
            model,
            "near-limit",
            {"num_beams": 4, "num_return_sequences": 2, "max_length": 128, "eos_token_id": eos_for["near-limit"]},
            "beam near-limit 4 beams max_length 128",
        )
    return out


def main():
    models = {name: Model(name) for name in ["tiny-gpt2", "tiny-gpt2-untied"]}
    results = []
    small = []
    for case in cases(models):
        model = models[case["model"]]
        prompt = PROMPTS[case["prompt"]]
        hf = case["hf"]
        assert max_length_of(hf, len(prompt)) <= model.cfg["n_positions"]
        run = beam_search if hf.get("num_beams", 1) > 1 else greedy
        result, margin = run(model, prompt, hf)
        threshold = MIN_MARGIN["beam" if run is beam_search else "greedy"]
        if margin < threshold:
            small.append((case["name"], case["model"], margin, threshold))
        results.append({**case, **result, "min_margin": float("%.3g" % margin)})

    # Cross-check with reference.py's golden greedy path (same forward, KV cache there).
    for name in models:
        with open(os.path.join(FIXTURES, name, "reference.json")) as f:
            golden = {p["name"]: p for p in json.load(f)["prompts"]}["p8"]
        assert golden["input_ids"] == PROMPTS["p8"]
        mine = next(r for r in results if r["model"] == name and r["name"] == "greedy p8")
        assert mine["sequences"][0]["ids"][: len(golden["greedy"])] == golden["greedy"], name

    for case_name, model_name, margin, threshold in small:
        print(f"margin {margin:.3g} < {threshold}: {model_name} / {case_name}", file=sys.stderr)
    assert not small, "some decisions are too close to call; change those cases"

    # Sanity: the grid must exercise early finishing and the early_stopping variants.
    beams = [r for r in results if r["hf"].get("num_beams", 1) > 1]
    early = sum(1 for r in beams if any(s["finish"] == "eos" for s in r["sequences"]))
    assert early >= len(beams) // 2, f"only {early} of {len(beams)} beam cases finish on eos"
    outcomes = {}
    for r in beams:
        hf = dict(r["hf"])
        variant = json.dumps(hf.pop("early_stopping", False))
        key = (r["model"], r["prompt"], json.dumps(hf, sort_keys=True))
        outcomes.setdefault(key, {})[variant] = json.dumps(r["sequences"])
    differing = sum(1 for v in outcomes.values() if len(v) == 3 and len(set(v.values())) > 1)

    document = {
        "generator": "tooling/gpt2-fixtures/generation-reference.py",
        "semantics": "Hugging Face transformers >= 4.50 GenerationMixin.generate for GPT2LMHeadModel, "
        "batch size 1: greedy (_sample, do_sample=False) and the vectorised _beam_search; "
        "plain-torch float32 forward (gpt2_common.gpt2_forward)",
        "models": {n: f"packages/convert/fixtures/{n}" for n in models},
        "prompts": PROMPTS,
        "notes": {
            "hf": "generate() keyword arguments, Hugging Face names",
            "ids": "generated ids, prompt excluded, eos included, no right padding",
            "score": "beam search: sequences_scores "
            "(sum of processed log-probs / generated length ** length_penalty)",
            "logprobs": "greedy: log_softmax of the processed logits at the chosen id",
            "steps": "beam search: generation steps run before it stopped",
            "min_margin": "smallest score gap a decision turned on, in log-prob units "
            "(asserted >= 2e-5 greedy, >= 1e-4 beam)",
        },
        "cases": results,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")
    legacy_differs = 0
    for r in beams:
        old = beam_search_legacy(models[r["model"]], PROMPTS[r["prompt"]], r["hf"])
        new = [{"ids": x["ids"], "score": x["score"]} for x in r["sequences"]]
        same = [x["ids"] for x in old] == [x["ids"] for x in new] and all(
            abs(a["score"] - b["score"]) <= 1e-5 * max(1.0, abs(b["score"])) for a, b in zip(old, new)
        )
        legacy_differs += not same
    greedy_count = len(results) - len(beams)
    print(
        f"{len(results)} cases ({greedy_count} greedy, {len(beams)} beam; {early} beam cases finish on eos; "
        f"early_stopping changes the output in {differing} of "
        f"{sum(1 for v in outcomes.values() if len(v) == 3)} grid points; transformers 4.35-4.49 "
        f"semantics would differ in {legacy_differs}); "
        f"smallest margin {min(r['min_margin'] for r in results):.3g}; "
        f"{os.path.getsize(OUT)} bytes -> {os.path.relpath(OUT, REPO)}"
    )


if __name__ == "__main__":
    main()
