// Zeroing allocators for the libraries that copy requests and responses: libcurl (its request
// buffers hold headers and bodies, including Authorization and token forms) and, when this
// library initialises OpenSSL before anyone else in the process, OpenSSL.
#pragma once

namespace mfaphone {

struct SecureAllocStatus {
    bool curl = false;     // curl_global_init_mem installed the zeroing allocator
    bool openssl = false;  // CRYPTO_set_mem_functions took effect (only before OpenSSL's first allocation;
                           // never on Windows, where the core does not use OpenSSL)
    bool freedMemoryFilled = false;  // glibc fills freed heap blocks (M_PERTURB)
};

// Initialises libcurl (once per process) with allocators that wipe every block on release.
// Called from the transport's global initialisation, before any other libcurl call.
SecureAllocStatus initSecureAllocators();
SecureAllocStatus secureAllocStatus();

}  // namespace mfaphone
