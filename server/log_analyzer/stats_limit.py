"""/stats stays small whatever the data: the most frequent tags by name, the rest summed as one "(other)".

90,000 distinct tags made a 6.3 MB answer (over Lambda's 6 MB limit). With at most MAX_STATS_TAGS named tags
per answer, 500 buckets of counts stay around 1.5 MB even re-escaped under Lambda; totals are unchanged (the
"(other)" count holds the rest), and `other_tags` says how many tags it folds. "(other)" cannot be a real
tag (a tag starts with a letter), so it never collides with one.
"""

from __future__ import annotations

from log_analyzer.store import Bucket, StatsResult

MAX_STATS_TAGS = 50
OTHER = "(other)"


def fold_tags(result: StatsResult, keep: int = MAX_STATS_TAGS) -> int:
    """Keep the `keep` largest tags of `result` (in place) and sum the others under OTHER; returns how many
    tags were folded."""
    if len(result.tags) <= keep:
        return 0
    ranked = sorted(result.tags.items(), key=lambda item: (-item[1], item[0]))
    kept = {tag for tag, _ in ranked[:keep]}
    folded = len(ranked) - keep
    tags = {tag: n for tag, n in ranked[:keep]}
    tags[OTHER] = sum(n for _, n in ranked[keep:])
    result.tags = tags
    buckets: list[Bucket] = []
    for bucket in result.buckets:
        counts: dict[str, int] = {}
        other = 0
        for tag, n in bucket.counts.items():
            if tag in kept:
                counts[tag] = n
            else:
                other += n
        if other:
            counts[OTHER] = other
        buckets.append(Bucket(bucket.start, bucket.end, counts))
    result.buckets = buckets
    return folded
