"""Face modality: detection, landmarks, quality gates, liveness, embedding and matching."""
