/* A shared object named like a backend but exporting no entry point. */
int siam_not_a_backend(void);
int siam_not_a_backend(void) { return 42; }
