/*
 * verify-agent: the conformance suite's hand inside a cgroup (fuzz/Conformance, README
 * "Conformance with the real kernel"). It reads one action per line on stdin and answers one
 * line on stdout: "ok <value>" or "err <errno name> <value>". It is tiny on purpose: no runtime,
 * one CPU (pinned at start so the kernel's per-CPU charge stock is one CPU's), its own stdio
 * buffers and stack touched before the driver moves it into the group under test, so the group's
 * counters show what the script did and little else.
 *
 *   touch N      map N anonymous pages (huge pages off) and write each: "ok N"
 *   unmap N      unmap the N most recently touched pages: "ok <pages unmapped>"
 *   cache N      read the next N pages of the data file (readahead off): N page-cache pages, "ok N"
 *   pipes N      open N pipes (kernel objects of accounted caches): "ok N", or "err <errno> <opened>"
 *   tcp N        a TCP connection to itself over 127.0.0.1, N bytes sent and left unread: "ok <bytes sent>"
 *   fork N       fork N children that sleep until reaped: "ok N", or "err EAGAIN <forked>"
 *   reap         kill and wait for every child: "ok <children reaped>"
 *   exit         "ok 0", then exit 0
 *
 * The data file is argv[1], if given: created sparse (64 MiB) and unlinked at start, so nothing is
 * left on disk whatever happens to the agent.
 *
 * Build: cc -O2 -Wall -Wextra -o verify-agent verify-agent.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REGIONS 4096
#define MAX_CHILDREN 4096

struct region { char *start; long pages; };

static struct region regions[MAX_REGIONS];
static int region_count;
static pid_t children[MAX_CHILDREN];
static int child_count;
static long page_size;
static int data_fd = -1;
static long data_offset;
static char read_buffer[4096];

static void reply_ok(long value) { printf("ok %ld\n", value); fflush(stdout); }

static void reply_err(int err, long value) { printf("err %s %ld\n", strerrorname_np(err), value); fflush(stdout); }

static void touch(long pages)
{
    if (pages <= 0 || region_count == MAX_REGIONS) { reply_err(EINVAL, 0); return; }
    char *start = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (start == MAP_FAILED) { reply_err(errno, 0); return; }
    madvise(start, pages * page_size, MADV_NOHUGEPAGE); /* one charge per 4 KiB page, as the model counts */
    for (long i = 0; i < pages; i++) start[i * page_size] = 1;
    regions[region_count++] = (struct region){ start, pages };
    reply_ok(pages);
}

static void unmap(long pages)
{
    long done = 0;
    while (done < pages && region_count > 0) {
        struct region *last = &regions[region_count - 1];
        long take = pages - done < last->pages ? pages - done : last->pages;
        munmap(last->start + (last->pages - take) * page_size, take * page_size);
        last->pages -= take;
        done += take;
        if (last->pages == 0) region_count--;
    }
    reply_ok(done);
}

static void cache(long pages)
{
    long done = 0;
    for (; done < pages; done++, data_offset += page_size) {
        if (data_fd < 0 || pread(data_fd, read_buffer, sizeof read_buffer, data_offset) != (ssize_t)sizeof read_buffer) {
            reply_err(data_fd < 0 ? EBADF : errno ? errno : EINVAL, done);
            return;
        }
    }
    reply_ok(done);
}

static void pipes(long count)
{
    long opened = 0;
    for (int ends[2]; opened < count; opened++)
        if (pipe(ends) != 0) { reply_err(errno, opened); return; }
    reply_ok(opened);
}

/* A listener, a client and the accepted end, all on loopback; the client's bytes stay unread in the accepted end's receive queue. */
static void tcp(long bytes)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    int listener = socket(AF_INET, SOCK_STREAM, 0), client = socket(AF_INET, SOCK_STREAM, 0), server = -1;
    if (listener < 0 || client < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0 || connect(client, (struct sockaddr *)&address, sizeof address) != 0
        || (server = accept(listener, NULL, NULL)) < 0) {
        reply_err(errno, 0);
        return;
    }
    long sent = 0;
    while (sent < bytes) {
        ssize_t chunk = send(client, read_buffer, bytes - sent < (long)sizeof read_buffer ? (size_t)(bytes - sent) : sizeof read_buffer, MSG_DONTWAIT);
        if (chunk <= 0) break; /* the receiver's window is full: what was sent stays queued */
        sent += chunk;
    }
    usleep(100 * 1000); /* loopback delivers at once; let the receive queue settle */
    reply_ok(sent);
}

static void fork_children(long count)
{
    long forked = 0;
    pid_t agent = getpid();
    for (; forked < count && child_count < MAX_CHILDREN; forked++) {
        pid_t pid = fork();
        if (pid < 0) { reply_err(errno, forked); return; }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the agent */
            if (getppid() != agent) _exit(0); /* the agent ended before the line above ran */
            for (;;) pause();
        }
        children[child_count++] = pid;
    }
    reply_ok(forked);
}

/* Kills and waits for every child: how many there were. */
static int end_children(void)
{
    int ended = child_count;
    for (int i = 0; i < child_count; i++) kill(children[i], SIGKILL);
    for (int i = 0; i < child_count; i++) waitpid(children[i], NULL, 0);
    child_count = 0;
    return ended;
}

/* 64 KiB of stack below the caller's frame, written once (not inlined, so the frame is its own). */
static __attribute__((noinline)) void fault_in_stack(void)
{
    volatile char stack[64 * 1024];
    for (size_t i = 0; i < sizeof stack; i += 1024) stack[i] = 1;
}

int main(int argc, char **argv)
{
    page_size = sysconf(_SC_PAGESIZE);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the driver's death ends the agent */
    /* Fault in, before the move, every page the agent itself writes later: the stack below main's
     * frame (where every later call runs), its tables, stdin's buffer. */
    fault_in_stack();
    memset(regions, 0, sizeof regions);
    memset(children, 0, sizeof children);
    static char input_buffer[4096];
    memset(input_buffer, 0, sizeof input_buffer);
    setvbuf(stdin, input_buffer, _IOFBF, sizeof input_buffer);
    memset(read_buffer, 0, sizeof read_buffer);
    if (argc > 1) {
        data_fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
        if (data_fd < 0 || unlink(argv[1]) != 0 || ftruncate(data_fd, 64L << 20) != 0) { perror(argv[1]); return 2; }
        posix_fadvise(data_fd, 0, 0, POSIX_FADV_RANDOM); /* no readahead: one page cached per page read */
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);

    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char verb[32];
        long n = 0;
        if (sscanf(line, "%31s %ld", verb, &n) < 1) { reply_err(EINVAL, 0); continue; }
        if (!strcmp(verb, "touch")) touch(n);
        else if (!strcmp(verb, "unmap")) unmap(n);
        else if (!strcmp(verb, "cache")) cache(n);
        else if (!strcmp(verb, "pipes")) pipes(n);
        else if (!strcmp(verb, "tcp")) tcp(n);
        else if (!strcmp(verb, "fork")) fork_children(n);
        else if (!strcmp(verb, "reap")) reply_ok(end_children());
        else if (!strcmp(verb, "exit")) { reply_ok(0); break; }
        else reply_err(EINVAL, 0);
    }

    end_children();
    return 0;
}
