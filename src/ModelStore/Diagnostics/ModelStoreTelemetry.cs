using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ModelStore.Diagnostics;

/// <summary>
/// The names under which ModelStore reports what it does, for OpenTelemetry, <c>dotnet-counters</c> and
/// <c>dotnet-trace</c>: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="Name"/>
/// (see docs/observability.md). Tags carry a state's key and its store's kind, never an address, a query string or a
/// credential.
/// </summary>
public static class ModelStoreTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>ModelStore</c>.</summary>
    public const string Name = "ModelStore";

    /// <summary>Activity of one cache fetch (hit or miss): <c>ModelStore.Fetch</c>.</summary>
    public const string FetchActivity = "ModelStore.Fetch";

    /// <summary>Activity of one download of a state's bytes from a store: <c>ModelStore.Download</c>.</summary>
    public const string DownloadActivity = "ModelStore.Download";

    /// <summary>Activity of one re-hash of a cached blob: <c>ModelStore.Verify</c>.</summary>
    public const string VerifyActivity = "ModelStore.Verify";

    /// <summary>Counter of bytes received from stores (resumed bytes not counted again), unit <c>By</c>.</summary>
    public const string BytesDownloaded = "modelstore.download.bytes";

    /// <summary>Counter of bytes hashed to check them (downloads as they land, cached blobs re-verified), unit <c>By</c>.</summary>
    public const string BytesVerified = "modelstore.verify.bytes";

    /// <summary>Counter of retries: a request sent again, or a download chunk continued after a failure.</summary>
    public const string Retries = "modelstore.retries";

    /// <summary>Counter of fetches served by the cache.</summary>
    public const string CacheHits = "modelstore.cache.hits";

    /// <summary>Counter of fetches the cache had to make.</summary>
    public const string CacheMisses = "modelstore.cache.misses";

    /// <summary>Histogram of the duration of fetches that went to a store, unit <c>s</c>.</summary>
    public const string FetchDuration = "modelstore.fetch.duration";

    /// <summary>Tag: the state's canonical key (<c>pytorch/resnet18.cls1000.imagenet</c>).</summary>
    public const string KeyTag = "modelstore.state.key";

    /// <summary>Tag: the store's kind, as the start of its identity (<c>local</c>, <c>s3</c>, <c>url</c>...).</summary>
    public const string StoreKindTag = "modelstore.store.kind";

    /// <summary>Tag: whether the fetch was served by the cache.</summary>
    public const string CacheHitTag = "modelstore.cache.hit";

    /// <summary>Tag: what was retried, <c>request</c> (an HTTP request) or <c>chunk</c> (a download range).</summary>
    public const string RetryKindTag = "modelstore.retry.kind";

    internal static readonly ActivitySource Source = new(Name, typeof(ModelStoreTelemetry).Assembly.GetName().Version?.ToString(3));

    internal static readonly Meter Meter = new(Name, typeof(ModelStoreTelemetry).Assembly.GetName().Version?.ToString(3));

    internal static readonly Counter<long> Downloaded = Meter.CreateCounter<long>(BytesDownloaded, "By", "Bytes received from stores.");

    internal static readonly Counter<long> Verified = Meter.CreateCounter<long>(BytesVerified, "By", "Bytes hashed to check them.");

    internal static readonly Counter<long> RetryCount = Meter.CreateCounter<long>(Retries, "{retry}", "Requests sent again and download chunks continued after a failure.");

    internal static readonly Counter<long> Hits = Meter.CreateCounter<long>(CacheHits, "{fetch}", "Fetches served by the cache.");

    internal static readonly Counter<long> Misses = Meter.CreateCounter<long>(CacheMisses, "{fetch}", "Fetches the cache made.");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(FetchDuration, "s", "Duration of fetches that went to a store.");

    /// <summary>The kind part of a store identity (<c>s3:http://host/bucket/</c> → <c>s3</c>), never the address.</summary>
    internal static string StoreKind(string storeId)
    {
        var colon = storeId.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? storeId[..colon].ToLowerInvariant() : "unknown";
    }

    /// <summary>Counts a retry of <paramref name="kind"/> (<c>request</c> or <c>chunk</c>) and marks the current activity.</summary>
    internal static void Retried(string kind)
    {
        RetryCount.Add(1, new KeyValuePair<string, object?>(RetryKindTag, kind));
        Activity.Current?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { [RetryKindTag] = kind }));
    }
}
