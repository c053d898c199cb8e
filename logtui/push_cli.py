"""`logtui push REF`: publish the service's image (or, with --lambda, the Lambda image) to a registry.

Progress goes to the terminal one line per layer state (and every quarter of an upload), so it reads the same
in a terminal and in a CI log. Errors end with exit status 1 and a title and hint, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

EPILOG = """\
examples:
  logtui push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/log-analyzer:latest
  logtui push --lambda 123456789012.dkr.ecr.eu-west-1.amazonaws.com/log-analyzer-lambda:latest
  logtui push 127.0.0.1:5000/log-analyzer:0.1.0

ECR references log in with ECR's GetAuthorizationToken and the standard AWS credential chain (needs
pip install 'logtui[aws]'); other registries use the Docker CLI's credentials (docker login).
The image is built first when it is missing or older than its sources.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logtui push",
        description="Build (if needed), tag and push the log-analyzer's image to a registry.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("reference", metavar="REF", help="where to push: [registry/]repository[:tag]")
    parser.add_argument(
        "--lambda",
        dest="lambda_image",
        action="store_true",
        help="push the Lambda image (docker/Dockerfile.lambda) instead of the service image",
    )
    parser.add_argument("--aws-profile", metavar="NAME", help="for ECR: the AWS profile to log in with")
    parser.add_argument(
        "--create-repository",
        action="store_true",
        help="for ECR: create the repository if it does not exist (else logtui asks, on a terminal)",
    )
    parser.add_argument("--config", metavar="PATH", type=Path, help="use this config file ([docker] section)")
    return parser


class LayerPrinter:
    """One line when a layer changes state or crosses a quarter of its upload."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, int]] = {}

    def __call__(self, event: object) -> None:
        from logtui.core.publish import LayerProgress

        assert isinstance(event, LayerProgress)
        quarter = -1
        if event.current is not None and event.total:
            quarter = min(4, 4 * event.current // event.total)
        if self._last.get(event.layer) == (event.status, quarter):
            return
        self._last[event.layer] = (event.status, quarter)
        print(f"  {event.line}", flush=True)


def _ask_to_create(name: str) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(f"The ECR repository {name!r} does not exist. Create it? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    from logtui.core.config import load_config
    from logtui.core.errors import ConfigError, LogtuiError
    from logtui.core.publish import IMAGES, parse_reference, push_image
    from logtui.core.runtime.docker_runtime import DockerRuntime
    from logtui.core.state import PUSH_REFERENCE, remember

    try:
        ecr = parse_reference(args.reference).ecr is not None
    except LogtuiError as exc:
        print(f"logtui push: error: {exc.title}\n  {exc.hint or ''}", file=sys.stderr)
        return 2
    if not ecr and (args.aws_profile or args.create_repository):
        print(
            "logtui push: error: --aws-profile and --create-repository are for ECR references "
            "(<account>.dkr.ecr.<region>.amazonaws.com/...); other registries use your docker login",
            file=sys.stderr,
        )
        return 2
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"logtui push: error: {exc.title}\n  {exc.hint or ''}", file=sys.stderr)
        return 2
    runtime = DockerRuntime(config.docker)
    kind = IMAGES["lambda" if args.lambda_image else "service"]
    try:
        result = push_image(
            runtime,
            kind,
            args.reference,
            on_line=lambda line: print(line, flush=True),
            on_layer=LayerPrinter(),
            aws_profile=args.aws_profile,
            create_repository=(lambda name: True) if args.create_repository else _ask_to_create,
        )
    except LogtuiError as exc:
        print(f"logtui push: error: {exc.title}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("logtui push: interrupted", file=sys.stderr)
        return 130
    finally:
        runtime.close()
    remember(PUSH_REFERENCE.format(kind=kind.name), args.reference.strip())
    print(f"{kind.label} pushed to {result.reference}" + (f" ({result.digest})" if result.digest else ""))
    return 0
