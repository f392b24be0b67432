/* nothread_shim.c: an LD_PRELOAD library for test_nothread.sh. Every pthread_create fails with
 * EAGAIN, as it does for a process at its thread limit, so every path of strata must finish on
 * the calling thread. Each call appends one byte to $STRATA_NOTHREAD_LOG (when set): the test
 * counts them to know the threaded paths were really asked for. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    (void)t, (void)attr, (void)fn, (void)arg;
    const char *log = getenv("STRATA_NOTHREAD_LOG");
    if (log) {
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (write(fd, "x", 1) != 1) {
                /* nothing to do: the count is then short and the test says so */
            }
            close(fd);
        }
    }
    return EAGAIN;
}
