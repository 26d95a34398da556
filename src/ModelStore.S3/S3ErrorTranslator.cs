using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// Turns AWS SDK and network failures into <see cref="StateStoreException"/>s that name the bucket, the object
/// and the state. Like every store error, the message goes through <see cref="Diagnostics.SecretScrubber"/>, which knows
/// the store's secret key and session token (the store registers them), so no credential shows.
/// </summary>
internal sealed class S3ErrorTranslator(string bucket, string endpoint, string checksumHint)
{
    /// <summary>Whether <paramref name="exception"/> is a failure this class translates (others propagate as they are).</summary>
    public static bool IsTranslatable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        StateStoreException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The store error for a failed <paramref name="operation"/> on <paramref name="objectName"/>.</summary>
    public StateStoreException Translate(Exception exception, string operation, string? objectName, StateKey? key)
    {
        var (error, reason) = Classify(exception);
        var target = objectName is null ? $"s3://{bucket}" : $"s3://{bucket}/{objectName}";
        var subject = key is null ? string.Empty : $" (state {key})";
        return new StateStoreException(error, $"S3 {operation} of {target}{subject} at {endpoint} failed: {reason}", key, exception);
    }

    // What S3-compatible servers answer to SDK v4's default flexible checksums (CRC trailers) and aws-chunked bodies.
    private static bool IsChecksumRefusal(string code, string? message) =>
        code is "XAmzContentSHA256Mismatch" or "BadDigest" or "InvalidDigest" or "InvalidChecksum"
        || (code is "InvalidArgument" or "InvalidRequest" or "NotImplemented" && message is not null
            && (message.Contains("checksum", StringComparison.OrdinalIgnoreCase) || message.Contains("trailer", StringComparison.OrdinalIgnoreCase) || message.Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)));

    private (StateStoreError Error, string Reason) Classify(Exception exception)
    {
        if (exception is AmazonServiceException service && service.StatusCode != 0)
        {
            var code = service.ErrorCode ?? string.Empty;
            var status = (int)service.StatusCode;
            var detail = string.IsNullOrWhiteSpace(service.Message) ? $"HTTP {status} {code}".TrimEnd() : $"HTTP {status} {code}: {service.Message}";
            if (IsChecksumRefusal(code, service.Message))
            {
                return (StateStoreError.InvalidContent, $"{detail}. {checksumHint}");
            }

            return code switch
            {
                "NoSuchBucket" => (StateStoreError.ContainerNotFound, $"the bucket '{bucket}' does not exist ({detail})."),
                "NoSuchKey" => (StateStoreError.NotFound, $"no such object ({detail})."),
                "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "AllAccessDisabled" or "ExpiredToken" or "InvalidToken" or "InvalidSecurity"
                    => (StateStoreError.AccessDenied, $"the server refused the credentials ({detail}). Check the access key and secret, the profile or AWS_* variables, and the bucket policy."),
                "SlowDown" or "TooManyRequests" or "Throttling" => (StateStoreError.RateLimited, $"the server is throttling requests ({detail}); retry later."),
                "RequestTimeout" => (StateStoreError.Timeout, $"the server timed out ({detail})."),
                _ => (HttpStateErrors.ErrorOf(status), $"{HttpStateErrors.Describe(status)} ({detail})."),
            };
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case TimeoutException or OperationCanceledException:
                    return (StateStoreError.Timeout, $"no answer in time ({inner.Message}).");
                case SocketException socket when socket.SocketErrorCode is SocketError.TimedOut:
                    return (StateStoreError.Timeout, $"connecting timed out ({socket.Message}).");
                case SocketException socket:
                    return (StateStoreError.Unreachable, $"the server cannot be reached ({socket.SocketErrorCode}: {socket.Message}).");
                case HttpRequestException http:
                    return (StateStoreError.Unreachable, $"the server cannot be reached ({http.HttpRequestError}: {http.Message}).");
                case WebException web:
                    return (StateStoreError.Unreachable, $"the server cannot be reached ({web.Status}: {web.Message}).");
            }
        }

        if (exception is AmazonClientException client && client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return (StateStoreError.AccessDenied, $"no usable credentials ({client.Message}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a shared profile, or explicit credentials.");
        }

        return exception is IOException
            ? (StateStoreError.Unreachable, $"the connection failed ({exception.Message}).")
            : (StateStoreError.InvalidContent, $"{exception.GetType().Name}: {exception.Message}");
    }
}
