using System.Diagnostics;
using System.Globalization;
using ModelStore.Arrow;

// Writes and reads a model row of the given size (Float32 arrays of 4 MB each) through a temporary file,
// three times, and prints the best throughput of each and the process's peak working set.
var megabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 512;
const int arrayValues = 1 << 20;
var arrays = Enumerable.Range(0, megabytes / 4).Select(a =>
{
    var values = new float[arrayValues];
    for (var i = 0; i < values.Length; i++)
    {
        values[i] = (a * 31) + (i * 0.001f);
    }

    return WeightArray.FromRowMajor<float>(values, 1024, 1024);
}).ToList();
var row = new ModelRow(ModelRowSchemas.ModelV1, ModelWeights.Create(arrays), architectureVersion: 1);
var path = Path.Combine(Path.GetTempPath(), $"modelstore-arrow-bench-{Guid.NewGuid():N}.arrow");
double bestWrite = 0, bestRead = 0;
long writeGrowth = 0, readGrowth = 0, writeAllocated = 0, readAllocated = 0;
try
{
    for (var run = 0; run < 3; run++)
    {
        Stopwatch watch;
        using (var sampler = new PeakSampler())
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            watch = Stopwatch.StartNew();
            await ModelRowFile.WriteAsync(path, row);
            writeAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            bestWrite = Math.Max(bestWrite, megabytes / watch.Elapsed.TotalSeconds);
            writeGrowth = Math.Max(writeGrowth, sampler.Growth);
        }

        ModelRow read;
        using (var sampler = new PeakSampler())
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            watch.Restart();
            read = await ModelRowFile.ReadAsync(path, ModelRowSchemas.ModelV1);
            readAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            bestRead = Math.Max(bestRead, megabytes / watch.Elapsed.TotalSeconds);
            readGrowth = Math.Max(readGrowth, sampler.Growth);
        }

        if (read.Weights!.Count != arrays.Count || read.Weights[^1].GetValues<float>()[^1] != arrays[^1].GetValues<float>()[^1])
        {
            throw new InvalidOperationException("The row read back differs.");
        }
    }

    Console.WriteLine(FormattableString.Invariant(
        $"row {megabytes} MB ({arrays.Count} arrays): write {bestWrite:F0} MB/s (allocates {writeAllocated >> 20} MB, working set +{writeGrowth >> 20} MB), read {bestRead:F0} MB/s (allocates {readAllocated >> 20} MB, working set +{readGrowth >> 20} MB)"));
}
finally
{
    File.Delete(path);
}

/// <summary>Samples the working set every few milliseconds; <see cref="Growth"/> is the peak over the start (after a full GC).</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly long _baseline;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;
    private long _peak;

    public PeakSampler()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _baseline = Environment.WorkingSet;
        _peak = _baseline;
        _task = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(2).ConfigureAwait(false);
            }
        });
    }

    public long Growth
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) - _baseline;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _task.Wait();
        _stop.Dispose();
    }

    private void Sample()
    {
        var now = Environment.WorkingSet;
        if (now > Interlocked.Read(ref _peak))
        {
            Interlocked.Exchange(ref _peak, now);
        }
    }
}
