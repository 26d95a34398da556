using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// One state to resolve: its key and where it comes from (a store of the <see cref="StoreCatalog"/> by name, or a web
/// address), optionally a file of the store (<see cref="Path"/>) and a pin (<see cref="Sha256"/>). What a
/// <c>ModelState</c> item, <c>modelstore pull</c> and a lock file entry each say.
/// </summary>
public sealed record StateRequest
{
    /// <summary>A state of the store named <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">The store name is empty or holds a control character.</exception>
    public StateRequest(StateKey key, string store)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        Store = LockFileRules.Text(store, "store name");
    }

    private StateRequest(StateKey key, Uri url)
    {
        Key = key;
        Url = url;
        Store = new UrlStateStore(key, url).Id;
    }

    /// <summary>The state.</summary>
    public StateKey Key { get; }

    /// <summary>The store's name; for a <see cref="Url"/> state, the address's store id (<c>url:</c> and the redacted address).</summary>
    public string Store { get; }

    /// <summary>The web address of a state fetched over HTTP(S), or <see langword="null"/>.</summary>
    public Uri? Url { get; }

    /// <summary>The SHA-256 the bytes must have (a pin), or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">Not 64 hexadecimal digits.</exception>
    public string? Sha256
    {
        get;
        init => field = value is null ? null : LockFileRules.Sha256(value);
    }

    /// <summary>The store's file to read instead of the layout's name (<c>onnx/model.onnx</c>), or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">Not a relative <c>/</c>-separated path without <c>.</c> or <c>..</c>.</exception>
    public string? Path
    {
        get;
        init => field = value is null ? null : Url is null && Files is null ? LockFileRules.FilePath(value)
            : throw new ArgumentException(Files is null ? "A state fetched from an address reads that file; it has no Path." : "A bundle state (Files) has no Path: name the file among its Files.", nameof(value));
    }

    /// <summary>
    /// For a bundle state: the files of the store it holds (paths or globs, <c>Files</c> metadata), or
    /// <see langword="null"/> for a single-file state. The store must list its files (<see cref="IFileListingStore"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Set together with <see cref="Path"/> or on a state fetched from an address.</exception>
    public FilePatterns? Files
    {
        get;
        init => field = value is null || (Url is null && Path is null) ? value
            : throw new ArgumentException(Url is null ? "A bundle state (Files) has no Path: name the file among its Files." : "A state fetched from an address is one file; it has no Files.", nameof(value));
    }

    /// <summary>Where the state dict is inside a checkpoint (handed through to the outcome), or <see langword="null"/>.</summary>
    public string? StateDictPath { get; init; }

    /// <summary>A state fetched from <paramref name="url"/> (absolute http or https, no user name or password; a pre-signed address is fine).</summary>
    /// <exception cref="ArgumentException">The address breaks those rules; the message never shows a secret.</exception>
    public static StateRequest FromUrl(StateKey key, Uri url)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(url);
        return new StateRequest(key, LockFileRules.Url(url));
    }

    /// <summary>Whether <paramref name="text"/> is written as a web address (<c>http://</c>, <c>https://</c>).</summary>
    public static bool LooksLikeUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The address of a state on the web as a person typed it (a <c>ModelState</c>'s <c>Url</c>, <c>pull --url</c>):
    /// absolute <c>http://</c> or <c>https://</c>, no user name or password. A pre-signed address is fine; its secret query
    /// values never reach a message.
    /// </summary>
    /// <exception cref="ArgumentException">Not such an address; the message says why and never shows a password.</exception>
    public static Uri ParseUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            // Only the scheme is shown: what follows it may hold a password (ftp://user:secret@host/).
            var scheme = url is not null && text.Contains("://", StringComparison.Ordinal) ? $" (its scheme is '{url.Scheme}')" : "";
            throw new ArgumentException($"is not an absolute http:// or https:// address{scheme}.", nameof(text));
        }

        if (UrlRedaction.HasUserInfo(url))
        {
            throw new ArgumentException($"carries a user name or password ({UrlRedaction.Redact(url)}); ModelStore never takes credentials from addresses, which end up in logs and the cache index. Use a pre-signed address (its signature is kept out of every message), or a store kind that reads credentials from the environment.", nameof(text));
        }

        return LockFileRules.Url(url);
    }

    /// <summary>Why <paramref name="path"/> is not a store file path (relative, <c>/</c>-separated, no <c>.</c> or <c>..</c>), or <see langword="null"/>.</summary>
    public static string? PathProblem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LockFileRules.FilePathProblem(path);
    }
}
