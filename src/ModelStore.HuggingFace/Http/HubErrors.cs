using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// Turns a Hub answer into a <see cref="StateStoreException"/>, reading the Hub's own error headers as huggingface_hub's
/// <c>hf_raise_for_status</c> does: <c>X-Error-Code</c> (<c>RepoNotFound</c>, <c>RevisionNotFound</c>, <c>EntryNotFound</c>,
/// <c>GatedRepo</c>), <c>X-Error-Message</c>, and the rate limit in <c>Retry-After</c> or <c>RateLimit</c>
/// (<c>"api";r=0;t=55</c>). Messages say what to do (which variable to set, which page to visit), never the token.
/// </summary>
internal static class HubErrors
{
    public const string ErrorCodeHeader = "X-Error-Code";
    public const string ErrorMessageHeader = "X-Error-Message";
    public const string RepoCommitHeader = "X-Repo-Commit";

    /// <summary>The error for an unsuccessful answer.</summary>
    /// <param name="response">The answer (not a success, not a redirect).</param>
    /// <param name="what">What was attempted, for the message, such as <c>download of onnx/model.onnx at revision main</c>.</param>
    /// <param name="repository">The repository as users see it, such as <c>model acme/tiny on https://huggingface.co</c>.</param>
    /// <param name="page">The repository's web page (where gated conditions are accepted).</param>
    /// <param name="credentials">What the request ran as.</param>
    /// <param name="key">The state concerned, if any.</param>
    public static StateStoreException FromResponse(HttpResponseMessage response, string what, string repository, Uri page, HuggingFaceCredentials credentials, StateKey? key)
    {
        var code = Header(response, ErrorCodeHeader);
        var serverMessage = Header(response, ErrorMessageHeader);
        var said = serverMessage is null ? "" : $" The Hub said: \"{UrlRedaction.RedactText(serverMessage)}\"";
        var status = (int)response.StatusCode;
        var anonymous = credentials.IsAnonymous;
        var setToken = $"Set {HuggingFaceCredentials.TokenVariable} to an access token (https://huggingface.co/settings/tokens) of an account that can read it.";

        switch (code)
        {
            case "GatedRepo":
                return new StateStoreException(
                    StateStoreError.AccessDenied,
                    anonymous
                        ? $"The {what} failed: the {repository} is gated (HTTP {status}). Accept its conditions on {page} with your account, then set {HuggingFaceCredentials.TokenVariable} to an access token of that account.{said}"
                        : $"The {what} failed: the {repository} is gated and {credentials.Describe()} has no access to it (HTTP {status}). Accept its conditions on {page} with the token's account, or use the token of an account that did.{said}",
                    key);
            case "RevisionNotFound":
                return new HubMissingException(HubMissing.Revision, $"The {what} failed: the revision does not exist in the {repository} (HTTP {status}).{said}", Header(response, RepoCommitHeader), key);
            case "EntryNotFound":
                return new HubMissingException(HubMissing.Entry, $"The {what} failed: there is no such file in the {repository} (HTTP {status}).{said}", Header(response, RepoCommitHeader), key);
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized || (code == "RepoNotFound" && anonymous))
        {
            // The Hub answers 401 to an anonymous request for a private, gated or missing repository alike.
            return new StateStoreException(
                StateStoreError.AccessDenied,
                anonymous
                    ? $"The {what} failed: the {repository} was not found, or it is private or gated and needs a token (HTTP {status}). {setToken} Otherwise check the repository id and RepoType.{said}"
                    : $"The {what} failed: {credentials.Describe()} was refused (HTTP {status}): it may be invalid, expired or without read access. Replace it, or unset it for a public repository.{said}",
                key);
        }

        if (code == "RepoNotFound")
        {
            return new StateStoreException(
                StateStoreError.ContainerNotFound,
                $"The {what} failed: the {repository} was not found (HTTP {status}), or {credentials.Describe()} cannot see it. Check the repository id and RepoType.{said}",
                key);
        }

        switch (response.StatusCode)
        {
            case HttpStatusCode.Forbidden:
                return new StateStoreException(
                    StateStoreError.AccessDenied,
                    $"The {what} failed: access was refused (HTTP 403) to {credentials.Describe()}. {(anonymous ? setToken : "Check the token's permissions.")}{said}",
                    key);
            case HttpStatusCode.NotFound:
                return new HubMissingException(HubMissing.Entry, $"The {what} failed: it does not exist in the {repository} (HTTP 404).{said}", Header(response, RepoCommitHeader), key);
            case HttpStatusCode.TooManyRequests:
                var wait = HttpStateErrors.RetryAfter(response);
                var when = wait is { } delay ? $"; retry in {delay.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s" : "";
                var hint = anonymous ? $" Authenticated requests get a higher limit: set {HuggingFaceCredentials.TokenVariable}." : "";
                return new StateStoreException(StateStoreError.RateLimited, $"The {what} failed: the Hub limits the request rate (HTTP 429){when}.{hint}{said}", key) { RetryAfter = wait };
        }

        var error = HttpStateErrors.FromStatus(response, $"{what} from the {repository}", key)!;
        return serverMessage is null ? error : new StateStoreException(error.Error, error.Message + said, key) { RetryAfter = error.RetryAfter };
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;
}
