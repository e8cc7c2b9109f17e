"""Article language: the declared one, checked against the text with py3langid."""

from __future__ import annotations

import logging
import re

from py3langid.langid import MODEL_FILE, LanguageIdentifier

logger = logging.getLogger(__name__)

LANG_CODE_RE = re.compile(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*\s*$")
SAMPLE_CHARS = 1500
MIN_TEXT_CHARS = 200
# overrule a declared language only when the text says otherwise this confidently
OVERRIDE_CONFIDENCE = 0.99


_loaded: list[LanguageIdentifier] = []  # the identifier, once loaded or given


def _identifier() -> LanguageIdentifier:
    if not _loaded:
        _loaded.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _loaded[0]


def load_model() -> None:
    """Load the language model now: a fork server that does shares it with its workers."""
    _identifier()


def use_identifier(identifier: LanguageIdentifier) -> None:
    """Detect languages with ``identifier`` (py3langid's, normalised probabilities) from
    now on: the crawl's fork server gives one whose model is mapped from a file."""
    _loaded[:] = [identifier]


def normalize_lang(code: str | None) -> str | None:
    """Return the primary subtag of a language code, lower-cased ("en-US" -> "en"), or None."""
    match = LANG_CODE_RE.match(code or "")
    return match.group(1).lower() if match else None


def detect_language(declared: str | None, text: str) -> str | None:
    """Return the declared language, or the detected one when undeclared or clearly wrong."""
    lang = normalize_lang(declared)
    if len(text) < MIN_TEXT_CHARS:
        return lang
    detected, confidence = _identifier().classify(text[:SAMPLE_CHARS])
    if lang is None or (detected != lang and confidence >= OVERRIDE_CONFIDENCE):
        if lang:
            logger.debug(
                "declared language %s overridden by detected %s (%.3f)", lang, detected, confidence
            )
        return str(detected)
    return lang
