/* OpenCL and CLBlast status codes by name, and the error messages built from
 * them: "clEnqueueNDRangeKernel(relu_fwd): CL_OUT_OF_RESOURCES", never -5. */
#include "ocl_internal.h"

#include <clblast_c.h>

const char *ocl_error_name(cl_int code)
{
    switch (code) {
#define N(x) case x: return #x;
    N(CL_SUCCESS) N(CL_DEVICE_NOT_FOUND) N(CL_DEVICE_NOT_AVAILABLE)
    N(CL_COMPILER_NOT_AVAILABLE) N(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    N(CL_OUT_OF_RESOURCES) N(CL_OUT_OF_HOST_MEMORY) N(CL_PROFILING_INFO_NOT_AVAILABLE)
    N(CL_MEM_COPY_OVERLAP) N(CL_IMAGE_FORMAT_MISMATCH) N(CL_IMAGE_FORMAT_NOT_SUPPORTED)
    N(CL_BUILD_PROGRAM_FAILURE) N(CL_MAP_FAILURE) N(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    N(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) N(CL_COMPILE_PROGRAM_FAILURE)
    N(CL_LINKER_NOT_AVAILABLE) N(CL_LINK_PROGRAM_FAILURE) N(CL_DEVICE_PARTITION_FAILED)
    N(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
    N(CL_INVALID_VALUE) N(CL_INVALID_DEVICE_TYPE) N(CL_INVALID_PLATFORM)
    N(CL_INVALID_DEVICE) N(CL_INVALID_CONTEXT) N(CL_INVALID_QUEUE_PROPERTIES)
    N(CL_INVALID_COMMAND_QUEUE) N(CL_INVALID_HOST_PTR) N(CL_INVALID_MEM_OBJECT)
    N(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) N(CL_INVALID_IMAGE_SIZE) N(CL_INVALID_SAMPLER)
    N(CL_INVALID_BINARY) N(CL_INVALID_BUILD_OPTIONS) N(CL_INVALID_PROGRAM)
    N(CL_INVALID_PROGRAM_EXECUTABLE) N(CL_INVALID_KERNEL_NAME)
    N(CL_INVALID_KERNEL_DEFINITION) N(CL_INVALID_KERNEL) N(CL_INVALID_ARG_INDEX)
    N(CL_INVALID_ARG_VALUE) N(CL_INVALID_ARG_SIZE) N(CL_INVALID_KERNEL_ARGS)
    N(CL_INVALID_WORK_DIMENSION) N(CL_INVALID_WORK_GROUP_SIZE) N(CL_INVALID_WORK_ITEM_SIZE)
    N(CL_INVALID_GLOBAL_OFFSET) N(CL_INVALID_EVENT_WAIT_LIST) N(CL_INVALID_EVENT)
    N(CL_INVALID_OPERATION) N(CL_INVALID_GL_OBJECT) N(CL_INVALID_BUFFER_SIZE)
    N(CL_INVALID_MIP_LEVEL) N(CL_INVALID_GLOBAL_WORK_SIZE) N(CL_INVALID_PROPERTY)
    N(CL_INVALID_IMAGE_DESCRIPTOR) N(CL_INVALID_COMPILER_OPTIONS) N(CL_INVALID_LINKER_OPTIONS)
    N(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef N
    /* Extension codes seen in the wild (cl_khr_icd, cl_khr_gl_sharing). */
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    case -1000: return "CL_INVALID_GL_SHAREGROUP_REFERENCE_KHR";
    case -69: return "CL_INVALID_PIPE_SIZE";
    case -70: return "CL_INVALID_DEVICE_QUEUE";
    case -71: return "CL_INVALID_SPEC_ID";
    case -72: return "CL_MAX_SIZE_RESTRICTION_EXCEEDED";
    default: return "CL_UNKNOWN_ERROR";
    }
}

const char *ocl_clblast_name(int code)
{
    /* Codes from -1 to -63 are OpenCL's own (clblast_c.h maps them 1:1). */
    if (code < 0 && code > -100)
        return ocl_error_name(code);
    switch (code) {
#define N(x) case x: return #x;
    N(CLBlastSuccess) N(CLBlastNotImplemented) N(CLBlastInvalidMatrixA)
    N(CLBlastInvalidMatrixB) N(CLBlastInvalidMatrixC) N(CLBlastInvalidVectorX)
    N(CLBlastInvalidVectorY) N(CLBlastInvalidDimension) N(CLBlastInvalidLeadDimA)
    N(CLBlastInvalidLeadDimB) N(CLBlastInvalidLeadDimC) N(CLBlastInvalidIncrementX)
    N(CLBlastInvalidIncrementY) N(CLBlastInsufficientMemoryA) N(CLBlastInsufficientMemoryB)
    N(CLBlastInsufficientMemoryC) N(CLBlastInsufficientMemoryX) N(CLBlastInsufficientMemoryY)
    N(CLBlastInsufficientMemoryTemp) N(CLBlastInvalidBatchCount) N(CLBlastInvalidOverrideKernel)
    N(CLBlastMissingOverrideParameter) N(CLBlastInvalidLocalMemUsage)
    N(CLBlastNoHalfPrecision) N(CLBlastNoDoublePrecision) N(CLBlastInvalidVectorScalar)
    N(CLBlastInsufficientMemoryScalar) N(CLBlastDatabaseError) N(CLBlastUnknownError)
    N(CLBlastUnexpectedError)
#undef N
    default: return "CLBlastUnknownStatus";
    }
}

static int is_oom(cl_int code)
{
    return code == CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL_OUT_OF_RESOURCES ||
           code == CL_OUT_OF_HOST_MEMORY;
}

siam_status ocl_fail(siam_error *err, const char *call, const char *what, cl_int code)
{
    /* CL_OUT_OF_RESOURCES also covers non-memory exhaustion on some drivers,
     * so the hint says "may". */
    if (is_oom(code))
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              "%s(%s): %s (the device may be out of memory: try a smaller batch)",
                              call, what ? what : "", ocl_error_name(code));
    return siam_error_set(err, SIAM_ERR_BACKEND, "%s(%s): %s", call, what ? what : "",
                          ocl_error_name(code));
}

siam_status ocl_clblast_fail(siam_error *err, const char *what, int code)
{
    if (code == CLBlastTempBufferAllocFailure || is_oom(code))
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY,
                              "CLBlastSgemm(%s): %s (the device may be out of memory: try a "
                              "smaller batch)",
                              what, ocl_clblast_name(code));
    return siam_error_set(err, SIAM_ERR_BACKEND, "CLBlastSgemm(%s): %s", what,
                          ocl_clblast_name(code));
}
