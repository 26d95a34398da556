using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ModelStore.Caching;
using ModelStore.Diagnostics;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

/// <summary>
/// What a real fetch reports through the "ModelStore" ActivitySource and Meter and through the cache's ILogger: a local
/// store, and a loopback HTTP server that cuts a connection or fails a request once. Only the measurements made inside
/// this test's own trace are counted, so tests running beside it do not disturb the figures.
/// </summary>
[TestClass]
public sealed class TelemetryTests
{
    private static readonly ActivitySource TestSource = new("ModelStore.Tests.Telemetry");
    private static readonly StateKey Key = StateKey.Parse("pytorch/tiny-mlp.digits.v1");
    private static LoopbackFileServer _server = null!;
    private string _root = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _server.DisposeAsync();

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-telemetry-").FullName;
        _server.CutConnections = 0;
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_local_fetch_counts_one_miss_then_one_hit_and_the_file_size_in_bytes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "states")).FullName;
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        File.WriteAllBytes(Path.Combine(folder, "pytorch.tiny-mlp.digits.v1.pt"), bytes);
        var store = new LocalStateStore(folder);
        var logger = new RecordingLogger();
        var cache = new StateCache(Path.Combine(_root, "cache")) { Logger = logger };
        using var recorder = new TelemetryRecorder();

        using (recorder.Trace())
        {
            var first = await cache.GetOrFetchAsync(store, Key, cancellationToken: TestContext.CancellationToken);
            var second = await cache.GetOrFetchAsync(store, Key, cancellationToken: TestContext.CancellationToken);
            Assert.IsTrue(await StateCache.VerifyAsync(second, TestContext.CancellationToken));
            Assert.AreEqual(first.Sha256, second.Sha256);
        }

        Assert.AreEqual(1, recorder.Sum(ModelStoreTelemetry.CacheMisses));
        Assert.AreEqual(1, recorder.Sum(ModelStoreTelemetry.CacheHits));
        Assert.AreEqual(bytes.Length, recorder.Sum(ModelStoreTelemetry.BytesDownloaded));
        Assert.AreEqual(2 * bytes.Length, recorder.Sum(ModelStoreTelemetry.BytesVerified), "hashed once as it came in, once by VerifyAsync");
        Assert.AreEqual(1, recorder.Count(ModelStoreTelemetry.FetchDuration), "only the fetch that went to the store is timed");
        Assert.AreEqual(0, recorder.Sum(ModelStoreTelemetry.Retries));
        Assert.IsTrue(recorder.Measurements.Where(m => m.Instrument != ModelStoreTelemetry.FetchDuration).All(m => Equals(m.Tags.GetValueOrDefault(ModelStoreTelemetry.StoreKindTag), "local")));

        var fetches = recorder.Activities.Where(activity => activity.OperationName == ModelStoreTelemetry.FetchActivity).ToList();
        Assert.HasCount(2, fetches);
        Assert.IsTrue(fetches.All(fetch => Equals(fetch.GetTagItem(ModelStoreTelemetry.KeyTag), Key.ToString()) && Equals(fetch.GetTagItem(ModelStoreTelemetry.StoreKindTag), "local")));
        CollectionAssert.AreEqual(new object[] { false, true }, fetches.Select(fetch => fetch.GetTagItem(ModelStoreTelemetry.CacheHitTag)!).ToArray());
        Assert.AreEqual(1, recorder.Activities.Count(activity => activity.OperationName == ModelStoreTelemetry.VerifyActivity));

        CollectionAssert.AreEqual(new[] { 2, 3, 1 }, logger.Entries.Select(entry => entry.EventId).ToArray(), string.Join("\n", logger.Entries));
        StringAssert.Contains(logger.Entries[0].Message, $"{Key}: not in the cache, fetching from the local store.");
        StringAssert.Contains(logger.Entries[1].Message, $"fetched {bytes.Length} bytes");
        Assert.AreEqual(LogLevel.Debug, logger.Entries[2].Level);
    }

    [TestMethod]
    public async Task A_url_fetch_cut_once_counts_one_chunk_retry_the_file_size_and_no_address_in_any_tag()
    {
        var bytes = RandomNumberGenerator.GetBytes(2_000_000);
        var url = _server.Put("telemetry/cut.pth", bytes);
        var store = new UrlStateStore(Key, new Uri(url + "?sig=telemetry-secret"));
        _server.CutAfterBytes = 300_000;
        _server.CutConnections = 1;
        var logger = new RecordingLogger();
        var cache = new StateCache(Path.Combine(_root, "cache")) { Logger = logger };
        using var recorder = new TelemetryRecorder();

        using (recorder.Trace())
        {
            await cache.GetOrFetchAsync(store, Key, cancellationToken: TestContext.CancellationToken);
        }

        Assert.AreEqual(1, recorder.Sum(ModelStoreTelemetry.CacheMisses));
        Assert.AreEqual(bytes.Length, recorder.Sum(ModelStoreTelemetry.BytesDownloaded), "the bytes before the cut are not fetched again");
        Assert.AreEqual(bytes.Length, recorder.Sum(ModelStoreTelemetry.BytesVerified));
        Assert.AreEqual(1, recorder.Sum(ModelStoreTelemetry.Retries));
        Assert.AreEqual("chunk", recorder.Measurements.Single(m => m.Instrument == ModelStoreTelemetry.Retries).Tags[ModelStoreTelemetry.RetryKindTag]);
        var download = recorder.Activities.Single(activity => activity.OperationName == ModelStoreTelemetry.DownloadActivity);
        var fetch = recorder.Activities.Single(activity => activity.OperationName == ModelStoreTelemetry.FetchActivity);
        Assert.AreEqual(fetch.SpanId, download.ParentSpanId, "the download is a child of the fetch");
        Assert.AreEqual("url", fetch.GetTagItem(ModelStoreTelemetry.StoreKindTag));
        Assert.IsTrue(download.Events.Any(e => e.Name == "retry"));

        var reported = string.Join("\n", recorder.Activities.Where(activity => activity.Source.Name == ModelStoreTelemetry.Name).SelectMany(activity => activity.TagObjects.Select(tag => $"{tag.Key}={tag.Value}"))
            .Concat(recorder.Measurements.SelectMany(m => m.Tags.Select(tag => $"{tag.Key}={tag.Value}")))
            .Concat(logger.Entries.Select(entry => entry.Message)));
        Assert.DoesNotContain("127.0.0.1", reported);
        Assert.DoesNotContain("telemetry-secret", reported);
    }

    [TestMethod]
    public async Task A_request_failed_once_is_counted_as_one_request_retry()
    {
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var url = _server.Put("telemetry/flaky.pth", bytes);
        _server.FailNext("telemetry/flaky.pth", 502, 1);
        var cache = new StateCache(Path.Combine(_root, "cache"));
        using var recorder = new TelemetryRecorder();

        using (recorder.Trace())
        {
            await cache.GetOrFetchAsync(new UrlStateStore(Key, url), Key, cancellationToken: TestContext.CancellationToken);
        }

        Assert.AreEqual(1, recorder.Sum(ModelStoreTelemetry.Retries));
        Assert.AreEqual("request", recorder.Measurements.Single(m => m.Instrument == ModelStoreTelemetry.Retries).Tags[ModelStoreTelemetry.RetryKindTag]);
        Assert.AreEqual(bytes.Length, recorder.Sum(ModelStoreTelemetry.BytesDownloaded));
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the ModelStore source and meter and keeps what happens inside the trace <see cref="Trace"/> starts.</summary>
    private sealed class TelemetryRecorder : IDisposable
    {
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private ActivityTraceId _trace;

        public TelemetryRecorder()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name is ModelStoreTelemetry.Name || source == TestSource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.TraceId == _trace && activity.Source.Name == ModelStoreTelemetry.Name)
                    {
                        Activities.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ModelStoreTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _meters.Start();
        }

        public ConcurrentQueue<Activity> Activities { get; } = new();

        public ConcurrentQueue<Measurement> Measurements { get; } = new();

        public Activity Trace()
        {
            var root = TestSource.StartActivity("test")!;
            _trace = root.TraceId;
            return root;
        }

        public double Sum(string instrument) => Measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

        public int Count(string instrument) => Measurements.Count(m => m.Instrument == instrument);

        public void Dispose()
        {
            _meters.Dispose();
            _activities.Dispose();
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Measurements are made on the flow of the fetch that made them: its activity says whose they are.
            if (Activity.Current?.TraceId == _trace)
            {
                Measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value)));
            }
        }
    }

    private sealed record LogEntry(LogLevel Level, int EventId, string Message);

    private sealed class RecordingLogger : ILogger
    {
        public List<LogEntry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add(new LogEntry(logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
