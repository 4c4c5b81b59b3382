/*
 * A read-only data dir for the disk chaos case (see disk-faults.ts for why it
 * cannot be a real read-only remount). Preloaded into the runtime process
 * (LD_PRELOAD) by ns-wrapper.ts; while the file named by MC_RO_FLAG exists,
 * every libc call that would change something under MC_RO_DIR fails with
 * EROFS, as on a file system the kernel switched to read-only after an error:
 * writes and truncates on descriptors already open, opens for writing,
 * creates, deletes, renames and links. Reads, and everything outside the
 * directory, are untouched. Without the flag file every call passes through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *ro_dir;
static size_t ro_dir_len;
static const char *ro_flag;

__attribute__((constructor)) static void shim_init(void) {
  ro_dir = getenv("MC_RO_DIR");
  ro_flag = getenv("MC_RO_FLAG");
  if (ro_dir) ro_dir_len = strlen(ro_dir);
  while (ro_dir_len > 1 && ro_dir[ro_dir_len - 1] == '/') ro_dir_len--;
}

static int read_only_now(void) {
  if (!ro_dir || !ro_flag) return 0;
  int saved = errno;
  int on = access(ro_flag, F_OK) == 0;
  errno = saved;
  return on;
}

static int inside(const char *abs) {
  return strncmp(abs, ro_dir, ro_dir_len) == 0 && (abs[ro_dir_len] == '/' || abs[ro_dir_len] == '\0');
}

/* A path relative to `dirfd` (or the working directory) made absolute, then checked. */
static int path_inside(int dirfd, const char *p) {
  if (!p) return 0;
  if (p[0] == '/') return inside(p);
  char base[PATH_MAX];
  char full[PATH_MAX * 2];
  int saved = errno;
  if (dirfd == AT_FDCWD) {
    if (!getcwd(base, sizeof base)) return errno = saved, 0;
  } else {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, base, sizeof base - 1);
    if (n < 0) return errno = saved, 0;
    base[n] = '\0';
  }
  errno = saved;
  snprintf(full, sizeof full, "%s/%s", base, p);
  return inside(full);
}

static int fd_inside(int fd) {
  char link[64];
  char target[PATH_MAX];
  int saved = errno;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  errno = saved;
  if (n < 0) return 0;
  target[n] = '\0';
  return inside(target);
}

#define REAL(name) static __typeof__(name) *real_##name; if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)
#define DENY_FD(fd) do { if (read_only_now() && fd_inside(fd)) { errno = EROFS; return -1; } } while (0)
#define DENY_PATH(dirfd, p) do { if (read_only_now() && path_inside(dirfd, p)) { errno = EROFS; return -1; } } while (0)
#define WRITES(flags) (((flags) & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0)

ssize_t write(int fd, const void *buf, size_t n) { REAL(write); DENY_FD(fd); return real_write(fd, buf, n); }
ssize_t writev(int fd, const struct iovec *iov, int c) { REAL(writev); DENY_FD(fd); return real_writev(fd, iov, c); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t o) { REAL(pwrite); DENY_FD(fd); return real_pwrite(fd, buf, n, o); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t o) { REAL(pwrite64); DENY_FD(fd); return real_pwrite64(fd, buf, n, o); }
ssize_t pwritev(int fd, const struct iovec *iov, int c, off_t o) { REAL(pwritev); DENY_FD(fd); return real_pwritev(fd, iov, c, o); }
ssize_t pwritev64(int fd, const struct iovec *iov, int c, off64_t o) { REAL(pwritev64); DENY_FD(fd); return real_pwritev64(fd, iov, c, o); }
int ftruncate(int fd, off_t len) { REAL(ftruncate); DENY_FD(fd); return real_ftruncate(fd, len); }
int ftruncate64(int fd, off64_t len) { REAL(ftruncate64); DENY_FD(fd); return real_ftruncate64(fd, len); }
int fallocate(int fd, int mode, off_t o, off_t len) { REAL(fallocate); DENY_FD(fd); return real_fallocate(fd, mode, o, len); }
int fallocate64(int fd, int mode, off64_t o, off64_t len) { REAL(fallocate64); DENY_FD(fd); return real_fallocate64(fd, mode, o, len); }
int posix_fallocate(int fd, off_t o, off_t len) { REAL(posix_fallocate); if (read_only_now() && fd_inside(fd)) return EROFS; return real_posix_fallocate(fd, o, len); }
int posix_fallocate64(int fd, off64_t o, off64_t len) { REAL(posix_fallocate64); if (read_only_now() && fd_inside(fd)) return EROFS; return real_posix_fallocate64(fd, o, len); }
int fchmod(int fd, mode_t m) { REAL(fchmod); DENY_FD(fd); return real_fchmod(fd, m); }
int fchown(int fd, uid_t u, gid_t g) { REAL(fchown); DENY_FD(fd); return real_fchown(fd, u, g); }

int truncate(const char *p, off_t len) { REAL(truncate); DENY_PATH(AT_FDCWD, p); return real_truncate(p, len); }
int truncate64(const char *p, off64_t len) { REAL(truncate64); DENY_PATH(AT_FDCWD, p); return real_truncate64(p, len); }
int unlink(const char *p) { REAL(unlink); DENY_PATH(AT_FDCWD, p); return real_unlink(p); }
int unlinkat(int d, const char *p, int f) { REAL(unlinkat); DENY_PATH(d, p); return real_unlinkat(d, p, f); }
int rmdir(const char *p) { REAL(rmdir); DENY_PATH(AT_FDCWD, p); return real_rmdir(p); }
int mkdir(const char *p, mode_t m) { REAL(mkdir); DENY_PATH(AT_FDCWD, p); return real_mkdir(p, m); }
int mkdirat(int d, const char *p, mode_t m) { REAL(mkdirat); DENY_PATH(d, p); return real_mkdirat(d, p, m); }
int rename(const char *a, const char *b) { REAL(rename); DENY_PATH(AT_FDCWD, a); DENY_PATH(AT_FDCWD, b); return real_rename(a, b); }
int renameat(int da, const char *a, int db, const char *b) { REAL(renameat); DENY_PATH(da, a); DENY_PATH(db, b); return real_renameat(da, a, db, b); }
int link(const char *a, const char *b) { REAL(link); DENY_PATH(AT_FDCWD, b); return real_link(a, b); }
int linkat(int da, const char *a, int db, const char *b, int f) { REAL(linkat); DENY_PATH(db, b); return real_linkat(da, a, db, b, f); }
int symlink(const char *t, const char *p) { REAL(symlink); DENY_PATH(AT_FDCWD, p); return real_symlink(t, p); }
int chmod(const char *p, mode_t m) { REAL(chmod); DENY_PATH(AT_FDCWD, p); return real_chmod(p, m); }

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *p, int flags, ...) {
  REAL(open);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (WRITES(flags)) DENY_PATH(AT_FDCWD, p);
  return real_open(p, flags, m);
}
int open64(const char *p, int flags, ...) {
  REAL(open64);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (WRITES(flags)) DENY_PATH(AT_FDCWD, p);
  return real_open64(p, flags, m);
}
int openat(int d, const char *p, int flags, ...) {
  REAL(openat);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (WRITES(flags)) DENY_PATH(d, p);
  return real_openat(d, p, flags, m);
}
int openat64(int d, const char *p, int flags, ...) {
  REAL(openat64);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (WRITES(flags)) DENY_PATH(d, p);
  return real_openat64(d, p, flags, m);
}
int creat(const char *p, mode_t m) { REAL(creat); DENY_PATH(AT_FDCWD, p); return real_creat(p, m); }
int creat64(const char *p, mode_t m) { REAL(creat64); DENY_PATH(AT_FDCWD, p); return real_creat64(p, m); }
