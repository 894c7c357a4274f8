// --reload: watch the app's Python files with inotify and reload the workers when one changes.
#include "master/server_internal.h"

#include <spdlog/spdlog.h>

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace turbo::master {

namespace {

constexpr int kDebounceMs = 300; // editors write files in several steps: reload once after the burst
constexpr int kMaxWatchedDirs = 2000;

std::string app_directory(const std::string& app) {
    const std::string module = app.substr(0, app.rfind(':'));
    if (module.size() > 3 && module.ends_with(".py")) {
        const auto slash = module.rfind('/');
        return slash == std::string::npos ? "." : module.substr(0, slash == 0 ? 1 : slash);
    }
    return "."; // module form: resolved from the current directory
}

bool skipped_dir(std::string_view name) {
    return name.empty() || name[0] == '.' || name == "__pycache__" || name == "node_modules" ||
           name == "build";
}

void add_watches(int fd, const std::string& dir, int& count) {
    if (count >= kMaxWatchedDirs) return;
    if (inotify_add_watch(fd, dir.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE) < 0)
        return;
    ++count;
    DIR* d = opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
        std::string_view name = e->d_name;
        if (name == "." || name == ".." || skipped_dir(name)) continue;
        const std::string path = dir + "/" + std::string(name);
        struct stat st {};
        if (lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) add_watches(fd, path, count);
    }
    closedir(d);
}

} // namespace

void Server::watch_files() {
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) throw std::runtime_error("--reload: inotify is not available");
    const std::string dir = app_directory(config_.app);
    int count = 0;
    add_watches(inotify_fd_, dir, count);
    spdlog::info("--reload: watching Python files under {} ({} directories)", dir, count);
    inotify_ = std::make_unique<asio::posix::stream_descriptor>(io_, inotify_fd_);
    reload_debounce_ = std::make_unique<asio::steady_timer>(io_);
    on_files_changed();
}

void Server::on_files_changed() {
    inotify_->async_wait(
        asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
            if (ec) return;
            alignas(inotify_event) char buf[16384];
            bool python_changed = false;
            std::string name;
            ssize_t n;
            while ((n = ::read(inotify_fd_, buf, sizeof buf)) > 0) {
                for (char* p = buf; p < buf + n;) {
                    auto* ev = reinterpret_cast<inotify_event*>(p);
                    std::string_view file = ev->len ? std::string_view(ev->name) : std::string_view();
                    if (file.ends_with(".py")) {
                        python_changed = true;
                        name = file;
                    }
                    p += sizeof(inotify_event) + ev->len;
                }
            }
            if (python_changed && !stopping_) {
                reload_debounce_->expires_after(std::chrono::milliseconds(kDebounceMs));
                reload_debounce_->async_wait([this, name](const boost::system::error_code& e) {
                    if (!e) pool_->reload("--reload: " + name + " changed");
                });
            }
            on_files_changed();
        });
}

} // namespace turbo::master
