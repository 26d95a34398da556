using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelStore.Diagnostics;
using ModelStore.States;

namespace ModelStore.Caching;

/// <summary>What the cache reports of its fetches: logs through <see cref="Logger"/>, activities and metrics through <see cref="ModelStoreTelemetry"/>.</summary>
public sealed partial class StateCache
{
    /// <summary>
    /// Where the cache logs its fetches (hits at <see cref="LogLevel.Debug"/>, fetches and their sizes at
    /// <see cref="LogLevel.Information"/>, a damaged blob at <see cref="LogLevel.Warning"/>); nothing by default.
    /// Messages name the key and the store's kind, never an address or a credential.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    private static Activity? StartFetch(string storeId, StateKey key)
    {
        var activity = ModelStoreTelemetry.Source.StartActivity(ModelStoreTelemetry.FetchActivity);
        activity?.SetTag(ModelStoreTelemetry.KeyTag, key.ToString());
        activity?.SetTag(ModelStoreTelemetry.StoreKindTag, ModelStoreTelemetry.StoreKind(storeId));
        return activity;
    }

    private static TagList KindTags(string storeId) => new() { { ModelStoreTelemetry.StoreKindTag, ModelStoreTelemetry.StoreKind(storeId) } };

    private CachedState Hit(Activity? activity, CachedState state)
    {
        ModelStoreTelemetry.Hits.Add(1, KindTags(state.StoreId));
        activity?.SetTag(ModelStoreTelemetry.CacheHitTag, true);
        Log.Hit(Logger, state.Key.ToString(), ModelStoreTelemetry.StoreKind(state.StoreId));
        return state;
    }

    /// <summary>Reports a state served from the cache by a caller that found and checked it itself (the resolver).</summary>
    internal void ReportHit(CachedState state) => Hit(null, state);

    private long Missed(Activity? activity, string storeId, StateKey key)
    {
        ModelStoreTelemetry.Misses.Add(1, KindTags(storeId));
        activity?.SetTag(ModelStoreTelemetry.CacheHitTag, false);
        Log.Fetching(Logger, key.ToString(), ModelStoreTelemetry.StoreKind(storeId));
        return Stopwatch.GetTimestamp();
    }

    private void Fetched(CachedState state, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        ModelStoreTelemetry.Duration.Record(elapsed.TotalSeconds, KindTags(state.StoreId));
        Log.Fetched(Logger, state.Key.ToString(), state.Size, elapsed.TotalSeconds, state.Sha256);
    }

    // Bytes that came from the store (downloaded) and bytes hashed to check them (verified), counted once they are in.
    private static void CountTransfer(string storeId, long downloaded, long verified)
    {
        var tags = KindTags(storeId);
        ModelStoreTelemetry.Downloaded.Add(downloaded, tags);
        ModelStoreTelemetry.Verified.Add(verified, tags);
        if (downloaded > 0)
        {
            Activity.Current?.SetTag(ModelStoreTelemetry.BytesDownloaded, downloaded);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Key}: served by the cache ({StoreKind} store).")]
        public static partial void Hit(ILogger logger, string key, string storeKind);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Key}: not in the cache, fetching from the {StoreKind} store.")]
        public static partial void Fetching(ILogger logger, string key, string storeKind);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Key}: fetched {Size} bytes in {Seconds:0.00} s, sha256 {Sha256}.")]
        public static partial void Fetched(ILogger logger, string key, long size, double seconds, string sha256);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Key}: the cached blob {Sha256} no longer has its hash; fetching it again.")]
        public static partial void Damaged(ILogger logger, string key, string sha256);
    }
}
