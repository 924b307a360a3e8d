"""Built-in offline engine: classical inpainting (numpy/OpenCV) behind the Backend protocol."""
