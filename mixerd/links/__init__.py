"""Audio links between boxes: existing JACK network engines (zita-njbridge) that mixerd starts and watches."""
