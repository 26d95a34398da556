using System.Net;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// Which settings of a store say where its requests (and so its credentials) go, and the transport rule for them:
/// an address is https, or http to a loopback address only (a local test server). Shared by the project's stores and
/// the lock file's, so no path sends a credential in clear text over a network.
/// </summary>
internal static class StoreEndpoints
{
    // The address settings of the kinds this repository ships. AccountName names a host too (ACCOUNT.blob.core.windows.net).
    private static readonly Dictionary<string, string[]> KnownAddressSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HuggingFace"] = ["Endpoint"],
        ["GitHub"] = ["BaseAddress"],
        ["S3"] = ["ServiceUrl"],
        ["AzureBlob"] = ["ServiceUri", "AccountName"],
    };

    // The environment variables through which a user configures the endpoint of a kind (outside any project or lock file).
    private static readonly Dictionary<string, string[]> EndpointVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HuggingFace"] = ["HF_ENDPOINT"],
        ["S3"] = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
    };

    /// <summary>Whether setting <paramref name="name"/> = <paramref name="value"/> of a store of <paramref name="kind"/> decides where requests go.</summary>
    public static bool IsAddress(string kind, string name, string value) =>
        (KnownAddressSettings.TryGetValue(kind, out var names) && names.Contains(name, StringComparer.OrdinalIgnoreCase))
        || (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && !uri.IsFile && uri.Scheme != "file");

    /// <summary>Whether <paramref name="value"/> is the endpoint the user configured for <paramref name="kind"/> in the environment.</summary>
    public static bool IsConfiguredInEnvironment(string kind, string value, Func<string, string?> environment) =>
        EndpointVariables.TryGetValue(kind, out var variables)
        && variables.Any(variable => environment(variable) is { } configured && SameAddress(configured, value));

    /// <summary>The endpoint variables of <paramref name="kind"/>, for messages.</summary>
    public static IReadOnlyList<string> VariablesOf(string kind) => EndpointVariables.GetValueOrDefault(kind) ?? [];

    /// <summary>Refuses an address setting of <paramref name="settings"/> that is plain http to a host other than loopback.</summary>
    /// <exception cref="ArgumentException">Such a setting; the message names it.</exception>
    public static void CheckTransport(StateStoreSettings settings)
    {
        foreach (var (name, value) in settings.Values)
        {
            if (IsAddress(settings.Kind, name, value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind {settings.Kind}: setting '{name}' is a plain http:// address of another machine ({uri.Host}). Credentials and states would cross the network in clear text: use https://, or http:// to a loopback address (127.0.0.1, ::1, localhost) for a local test server.", nameof(settings));
            }
        }
    }

    /// <summary>Whether <paramref name="uri"/> names this machine.</summary>
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));

    private static bool SameAddress(string left, string right) =>
        Uri.TryCreate(left.Trim(), UriKind.Absolute, out var a) && Uri.TryCreate(right.Trim(), UriKind.Absolute, out var b)
            ? Uri.Compare(a, b, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
              || a.AbsoluteUri.TrimEnd('/') == b.AbsoluteUri.TrimEnd('/')
            : string.Equals(left.Trim(), right.Trim(), StringComparison.OrdinalIgnoreCase);
}
