// middleware: the onion pipeline that wraps every request in a worker (native middlewares such as
// CORS, GZip, request id and rate limiting, and the bridge to Python middleware).
//
// Not built yet: the issue "The middleware pipeline" fills this component. The library exists so
// the tree and the build have their final shape.
#pragma once

namespace turbo::middleware {

/// Settings of the pipeline, validated at start-up (empty for now).
struct Config {};

} // namespace turbo::middleware
