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
        init => field = value is null ? null : Url is null ? LockFileRules.FilePath(value)
            : throw new ArgumentException("A state fetched from an address reads that file; it has no Path.", nameof(value));
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

    /// <summary>Why <paramref name="path"/> is not a store file path (relative, <c>/</c>-separated, no <c>.</c> or <c>..</c>), or <see langword="null"/>.</summary>
    public static string? PathProblem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return LockFileRules.FilePathProblem(path);
    }
}
