// Thin N-API binding of the few MPI calls ZooKeeper needs (Open MPI, MPI_COMM_WORLD only).
// Every call blocks the calling JS thread, which is what the synchronous Collective interface
// wants: MPI ranks are whole processes, so there is no event loop worth keeping free.
// Built with -DOMPI_SKIP_MPICXX so only the C API (and libmpi) is pulled in.
#include <mpi.h>
#include <node_api.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace {

bool g_finalized = false;

#define CHECK_NAPI(env, call)                                              \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "REPTILE_MPI_NAPI", "N-API call failed: " #call); \
      return nullptr;                                                      \
    }                                                                      \
  } while (0)

napi_value Throw(napi_env env, const char* code, const char* message) {
  napi_throw_error(env, code, message);
  return nullptr;
}

// MPI errors are returned (MPI_ERRORS_RETURN) and turned into JS exceptions carrying
// MPI's own text, so a failure names its cause instead of aborting the process silently.
napi_value ThrowMpi(napi_env env, const char* what, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  char message[MPI_MAX_ERROR_STRING + 128];
  std::snprintf(message, sizeof message, "%s failed: %.*s", what, len, text);
  return Throw(env, "REPTILE_MPI", message);
}

bool Ready(napi_env env) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized || g_finalized) {
    napi_throw_error(env, "REPTILE_MPI_STATE", "MPI is not initialised (call init() first) or already finalised");
    return false;
  }
  return true;
}

napi_value Number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

// A float typed array argument: its data pointer, element count and MPI type.
struct FloatView {
  void* data = nullptr;
  size_t length = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  bool is_double = false;
};

bool GetFloatView(napi_env env, napi_value value, FloatView* view) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) {
    napi_throw_type_error(env, "REPTILE_MPI_ARG", "expected a Float32Array or Float64Array");
    return false;
  }
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  napi_get_typedarray_info(env, value, &type, &view->length, &view->data, &ab, &offset);
  if (type == napi_float32_array) {
    view->type = MPI_FLOAT;
  } else if (type == napi_float64_array) {
    view->type = MPI_DOUBLE;
    view->is_double = true;
  } else {
    napi_throw_type_error(env, "REPTILE_MPI_ARG", "expected a Float32Array or Float64Array");
    return false;
  }
  return true;
}

// Large buffers go through MPI in pieces below INT_MAX elements (MPI counts are int).
constexpr size_t kMaxCount = size_t(1) << 30;

napi_value Init(napi_env env, napi_callback_info) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    // FUNNELED: only the JS main thread of the process calls MPI.
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Init_thread", rc);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  return nullptr;
}

napi_value Finalize(napi_env env, napi_callback_info) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && !g_finalized) {
    g_finalized = true;
    int rc = MPI_Finalize();
    if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Finalize", rc);
  }
  return nullptr;
}

// Ends every rank of the job: used when this rank fails, so peers blocked in a collective
// are stopped by mpirun instead of waiting forever.
napi_value Abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t code = 1;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &code);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && !g_finalized) MPI_Abort(MPI_COMM_WORLD, code);
  return nullptr;
}

napi_value Rank(napi_env env, napi_callback_info) {
  if (!Ready(env)) return nullptr;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return Number(env, r);
}

napi_value Size(napi_env env, napi_callback_info) {
  if (!Ready(env)) return nullptr;
  int s = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return Number(env, s);
}

napi_value ProcessorName(napi_env env, napi_callback_info) {
  if (!Ready(env)) return nullptr;
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  napi_value out;
  napi_create_string_utf8(env, name, len, &out);
  return out;
}

template <typename T>
void Scale(T* data, size_t n, T divisor) {
  for (size_t i = 0; i < n; i++) data[i] /= divisor;
}

// Waits for a nonblocking request until `deadline_ms` (0 = block in MPI_Wait). Returns
// MPI_SUCCESS, an MPI error, or -1 on timeout (the request is then left incomplete: the
// caller is expected to abort the job, as MPI offers no portable way to cancel a collective).
int WaitUntil(MPI_Request* req, double timeout_ms) {
  if (timeout_ms <= 0) return MPI_Wait(req, MPI_STATUS_IGNORE);
  auto start = std::chrono::steady_clock::now();
  int spins = 0;
  for (;;) {
    int done = 0;
    int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return rc;
    if (done) return MPI_SUCCESS;
    if (++spins >= 1024) {
      spins = 0;
      double elapsed =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (elapsed > timeout_ms) return -1;
      std::this_thread::yield();
    }
  }
}

double OptionalTimeout(napi_env env, size_t argc, napi_value* argv, size_t index) {
  double timeout = 0;
  if (argc > index) {
    napi_valuetype t;
    napi_typeof(env, argv[index], &t);
    if (t == napi_number) napi_get_value_double(env, argv[index], &timeout);
  }
  return timeout;
}

// allreduceMean(input, output, timeoutMs?): output = (Σ_ranks input) / size, elementwise.
// input and output may be the same array (then MPI_IN_PLACE is used).
napi_value AllreduceMean(napi_env env, napi_callback_info info) {
  if (!Ready(env)) return nullptr;
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 2) return Throw(env, "REPTILE_MPI_ARG", "allreduceMean(input, output, timeoutMs?) needs two arrays");
  FloatView in, out;
  if (!GetFloatView(env, argv[0], &in) || !GetFloatView(env, argv[1], &out)) return nullptr;
  if (in.type != out.type || in.length != out.length) {
    return Throw(env, "REPTILE_MPI_ARG", "input and output must have the same type and length");
  }
  double timeout = OptionalTimeout(env, argc, argv, 2);
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t elem = in.is_double ? 8 : 4;
  bool in_place = in.data == out.data;
  for (size_t done = 0; done < in.length; done += kMaxCount) {
    size_t count = in.length - done < kMaxCount ? in.length - done : kMaxCount;
    const void* send = in_place ? MPI_IN_PLACE : static_cast<char*>(in.data) + done * elem;
    void* recv = static_cast<char*>(out.data) + done * elem;
    int rc;
    if (timeout > 0) {
      MPI_Request req;
      rc = MPI_Iallreduce(send, recv, int(count), in.type, MPI_SUM, MPI_COMM_WORLD, &req);
      if (rc == MPI_SUCCESS) rc = WaitUntil(&req, timeout);
    } else {
      rc = MPI_Allreduce(send, recv, int(count), in.type, MPI_SUM, MPI_COMM_WORLD);
    }
    if (rc == -1) return Throw(env, "REPTILE_MPI_TIMEOUT", "allreduce timed out");
    if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Allreduce", rc);
  }
  // Sum then divide (not a pre-scaled sum), so one rank returns its input exactly.
  if (size > 1) {
    if (out.is_double) Scale(static_cast<double*>(out.data), out.length, double(size));
    else Scale(static_cast<float*>(out.data), out.length, float(size));
  }
  return nullptr;
}

// allreduceSum(input, output): the raw sum, for benchmarks against MPI_Allreduce itself.
napi_value AllreduceSum(napi_env env, napi_callback_info info) {
  if (!Ready(env)) return nullptr;
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 2) return Throw(env, "REPTILE_MPI_ARG", "allreduceSum(input, output) needs two arrays");
  FloatView in, out;
  if (!GetFloatView(env, argv[0], &in) || !GetFloatView(env, argv[1], &out)) return nullptr;
  if (in.type != out.type || in.length != out.length) {
    return Throw(env, "REPTILE_MPI_ARG", "input and output must have the same type and length");
  }
  size_t elem = in.is_double ? 8 : 4;
  bool in_place = in.data == out.data;
  for (size_t done = 0; done < in.length; done += kMaxCount) {
    size_t count = in.length - done < kMaxCount ? in.length - done : kMaxCount;
    const void* send = in_place ? MPI_IN_PLACE : static_cast<char*>(in.data) + done * elem;
    int rc = MPI_Allreduce(send, static_cast<char*>(out.data) + done * elem, int(count), in.type, MPI_SUM,
                           MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Allreduce", rc);
  }
  return nullptr;
}

// broadcast(buffer, root, timeoutMs?): in place.
napi_value Broadcast(napi_env env, napi_callback_info info) {
  if (!Ready(env)) return nullptr;
  size_t argc = 3;
  napi_value argv[3];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 2) return Throw(env, "REPTILE_MPI_ARG", "broadcast(buffer, root, timeoutMs?) needs two arguments");
  FloatView buf;
  if (!GetFloatView(env, argv[0], &buf)) return nullptr;
  int32_t root = 0;
  CHECK_NAPI(env, napi_get_value_int32(env, argv[1], &root));
  double timeout = OptionalTimeout(env, argc, argv, 2);
  size_t elem = buf.is_double ? 8 : 4;
  for (size_t done = 0; done < buf.length; done += kMaxCount) {
    size_t count = buf.length - done < kMaxCount ? buf.length - done : kMaxCount;
    void* data = static_cast<char*>(buf.data) + done * elem;
    int rc;
    if (timeout > 0) {
      MPI_Request req;
      rc = MPI_Ibcast(data, int(count), buf.type, root, MPI_COMM_WORLD, &req);
      if (rc == MPI_SUCCESS) rc = WaitUntil(&req, timeout);
    } else {
      rc = MPI_Bcast(data, int(count), buf.type, root, MPI_COMM_WORLD);
    }
    if (rc == -1) return Throw(env, "REPTILE_MPI_TIMEOUT", "broadcast timed out");
    if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Bcast", rc);
  }
  return nullptr;
}

// barrier(timeoutMs?)
napi_value Barrier(napi_env env, napi_callback_info info) {
  if (!Ready(env)) return nullptr;
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  double timeout = OptionalTimeout(env, argc, argv, 0);
  int rc;
  if (timeout > 0) {
    MPI_Request req;
    rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
    if (rc == MPI_SUCCESS) rc = WaitUntil(&req, timeout);
  } else {
    rc = MPI_Barrier(MPI_COMM_WORLD);
  }
  if (rc == -1) return Throw(env, "REPTILE_MPI_TIMEOUT", "barrier timed out");
  if (rc != MPI_SUCCESS) return ThrowMpi(env, "MPI_Barrier", rc);
  return nullptr;
}

napi_value Version(napi_env env, napi_callback_info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\0')) len--;
  napi_value out;
  napi_create_string_utf8(env, text, len, &out);
  return out;
}

napi_value Wtime(napi_env env, napi_callback_info) { return Number(env, MPI_Wtime()); }

napi_value ModuleInit(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"finalize", nullptr, Finalize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"abort", nullptr, Abort, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"rank", nullptr, Rank, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"size", nullptr, Size, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"processorName", nullptr, ProcessorName, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"allreduceMean", nullptr, AllreduceMean, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"allreduceSum", nullptr, AllreduceSum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wtime", nullptr, Wtime, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, ModuleInit)
