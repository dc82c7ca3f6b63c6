"""parcours-engine: insertion pathways run as BPMN models."""
