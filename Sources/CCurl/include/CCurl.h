// libcurl (Debian's libcurl4-openssl-dev) with non-variadic setters: Swift cannot call
// curl_easy_setopt/curl_easy_getinfo directly because they are C variadic functions.
#ifndef ZOO_CCURL_H
#define ZOO_CCURL_H
#include <curl/curl.h>

static inline CURLcode zoo_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode zoo_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode zoo_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode zoo_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*zoo_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode zoo_curl_set_write_callback(CURL *handle, zoo_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode zoo_curl_set_header_callback(CURL *handle, zoo_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
static inline long zoo_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
static inline curl_off_t zoo_curl_content_length(CURL *handle) {
    curl_off_t length = -1;
    curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    return length;
}
#endif
