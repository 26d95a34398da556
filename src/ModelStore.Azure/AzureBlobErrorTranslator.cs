using Azure;
using Azure.Identity;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>
/// Turns Azure SDK, credential and network failures into <see cref="StateStoreException"/>s that name the blob, the
/// container, the endpoint and the state, and never contain the store's secrets (account key, connection string, SAS):
/// <see cref="Diagnostics.SecretScrubber"/> knows them (the connection registers them).
/// </summary>
/// <param name="container">The container, named in messages.</param>
/// <param name="endpoint">The blob service endpoint, without query.</param>
/// <param name="credentialHint">What to check when the service refuses the credentials.</param>
/// <param name="serviceVersion">The storage API version the requests carry (<c>x-ms-version</c>).</param>
/// <param name="serviceVersionPinned">Whether that version is the store's <c>ServiceVersion</c> setting rather than the SDK's default.</param>
internal sealed class AzureBlobErrorTranslator(string container, string endpoint, string credentialHint, string serviceVersion, bool serviceVersionPinned)
{
    /// <summary>Whether <paramref name="exception"/> is a failure this class translates (others propagate as they are).</summary>
    public static bool IsTranslatable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && IsTranslatable(aggregate.InnerExceptions[^1], cancellationToken),
        RequestFailedException or AuthenticationFailedException or CredentialUnavailableException => true,
        _ => HttpStateErrors.IsTranslatable(exception, cancellationToken),
    };

    /// <summary>Names a blob in messages: the endpoint, container and blob, without any query (a SAS never shows).</summary>
    public string Address(string? blobName) => blobName is null ? $"{endpoint}/{container}" : $"{endpoint}/{container}/{blobName}";

    /// <summary>The store error for a failed <paramref name="operation"/> on <paramref name="blobName"/>.</summary>
    public StateStoreException Translate(Exception exception, string operation, string? blobName, StateKey? key)
    {
        // The SDK's retry policy wraps the failures of every attempt; the last one says how it ended.
        while (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            exception = aggregate.InnerExceptions[^1];
        }

        var what = $"Azure Blob {operation} of {Address(blobName)}{(key is null ? string.Empty : $" (state {key})")}";
        if (FromNetworkFailure(exception, what, key) is { } network)
        {
            return network;
        }

        var (error, reason) = Classify(exception);
        return new StateStoreException(error, $"{what} failed: {reason}", key, exception);
    }

    private (StateStoreError Error, string Reason) Classify(Exception exception)
    {
        if (exception is RequestFailedException { Status: not 0 } failed)
        {
            var code = failed.ErrorCode ?? string.Empty;
            var status = failed.Status;
            var detail = $"HTTP {status} {code}".TrimEnd() + FirstLine(failed.Message);
            return code switch
            {
                "ContainerNotFound" => (StateStoreError.ContainerNotFound, $"the container '{container}' does not exist ({detail})."),
                "BlobNotFound" => (StateStoreError.NotFound, $"no such blob ({detail})."),
                "BlobAlreadyExists" => (StateStoreError.AlreadyExists, $"the blob already exists ({detail})."),
                "AuthenticationFailed" or "AuthorizationFailure" or "AuthorizationPermissionMismatch" or "AuthorizationResourceTypeMismatch" or "AuthorizationServiceMismatch"
                    or "AuthorizationSourceIPMismatch" or "AuthorizationProtocolMismatch" or "InvalidAuthenticationInfo" or "NoAuthenticationInformation" or "InsufficientAccountPermissions" or "AccountIsDisabled"
                    => (StateStoreError.AccessDenied, $"the service refused the credentials ({detail}). {credentialHint}"),
                "ServerBusy" or "TooManyRequests" => (StateStoreError.RateLimited, $"the service is throttling requests ({detail}); retry later."),
                "OperationTimedOut" => (StateStoreError.Timeout, $"the service timed out ({detail})."),
                // Azure and Azurite answer a storage API version they do not serve with 400 InvalidHeaderValue on x-ms-version.
                "InvalidHeaderValue" when failed.Message.Contains("version", StringComparison.OrdinalIgnoreCase) => (StateStoreError.InvalidContent, VersionRefused(detail)),
                _ => HttpStateErrors.ErrorOf(status) switch
                {
                    StateStoreError.AccessDenied => (StateStoreError.AccessDenied, $"{HttpStateErrors.Describe(status)} ({detail}). {credentialHint}"),
                    var error => (error, $"{HttpStateErrors.Describe(status)} ({detail})."),
                },
            };
        }

        return exception switch
        {
            CredentialUnavailableException or AuthenticationFailedException => (StateStoreError.AccessDenied, $"no token could be obtained ({exception.Message}). {credentialHint}"),
            RequestFailedException => (StateStoreError.Unreachable, $"no answer from the service ({FirstLine(exception.Message).TrimStart(':', ' ')})."),
            _ => (StateStoreError.InvalidContent, $"{exception.GetType().Name}: {FirstLine(exception.Message).TrimStart(':', ' ')}"),
        };
    }

    private string VersionRefused(string detail) => serviceVersionPinned
        ? $"the service does not accept storage API version {serviceVersion}, the store's ServiceVersion setting ({detail}). Set ServiceVersion to a version the service serves (an emulator such as Azurite serves older ones), or remove it to use the SDK's default."
        : $"the service does not accept storage API version {serviceVersion}, which the Azure SDK sends by default ({detail}). Pin a version the service serves with the store's ServiceVersion setting (ServiceVersion=\"2025-11-05\" on the ModelStore item, AzureBlobStateStoreOptions.ServiceVersion in code), or update the server (an emulator such as Azurite).";

    // A failure below HTTP (refused or reset connection, DNS, TLS, a timeout), possibly inside the SDK's
    // RequestFailedException: the core's HTTP error translation says it as for every HTTP-based store.
    private StateStoreException? FromNetworkFailure(Exception exception, string what, StateKey? key)
    {
        if (exception is RequestFailedException { Status: not 0 } or CredentialUnavailableException or AuthenticationFailedException)
        {
            return null;
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is not RequestFailedException && HttpStateErrors.IsTranslatable(inner, CancellationToken.None))
            {
                var translated = HttpStateErrors.FromException(inner, what, key);
                return new StateStoreException(translated.Error, translated.Message, key, exception);
            }
        }

        return null;
    }

    // The SDK's message carries the request's headers and the response body after its first line; only the first line
    // (the service's own sentence) is worth a user's reading.
    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? string.Empty : ": " + line;
    }
}

