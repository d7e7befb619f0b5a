#include "models/torch_backend.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace verity {

namespace {
std::vector<std::string> candidate_paths() {
  std::vector<std::string> paths;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) paths.push_back((self.parent_path() / "libverity_torch.so").string());
  if (const char* env = std::getenv("VERITY_TORCH_BACKEND"); env && *env) paths.push_back(env);
  paths.push_back(VERITY_TORCH_BACKEND_BUILD_PATH);
  std::vector<std::string> unique;
  for (auto& p : paths)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(std::move(p));
  return unique;
}

std::expected<TorchBackend*, std::string> load() {
  std::string tried;
  for (const auto& path : candidate_paths()) {
    if (!std::filesystem::exists(path)) {
      tried += "\n  " + path + ": not there";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += "\n  " + path + ": " + dlerror();
      continue;
    }
    using Entry = TorchBackend* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "verity_torch_backend_v1"));
    if (!entry) {
      tried += "\n  " + path + ": no verity_torch_backend_v1 symbol";
      continue;
    }
    return entry();  // the module lives as long as the process
  }
  return std::unexpected("cannot load the LibTorch backend (libverity_torch.so); tried:" + tried +
                         "\nBuild it with `make` (it needs Debian's libtorch-dev, which infra/deps.sh installs).");
}
}  // namespace

std::expected<TorchBackend*, std::string> torch_backend() {
  static std::once_flag once;
  static std::expected<TorchBackend*, std::string> backend = std::unexpected(std::string("not loaded"));
  std::call_once(once, [] { backend = load(); });
  return backend;
}

}  // namespace verity
