"""Photos: upload pipeline, renditions, photo pages and profile grids."""
