"""Red-teaming: attacks planted the way they arrive, and offline graders of the answers."""

from ._plant import POSITIONS, plant_attack, sentence_starts

__all__ = ["POSITIONS", "plant_attack", "sentence_starts"]
