"""When things happen: the sending window, reminder moments, and the jobs the scheduler
wakes up."""
