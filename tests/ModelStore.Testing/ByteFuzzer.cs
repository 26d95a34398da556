using System.Buffers.Binary;
using System.Diagnostics;

namespace ModelStore.Testing;

/// <summary>What a fuzz campaign did: how many mutated files it read, how many were refused, and how long it took.</summary>
/// <param name="Cases">Mutated files read.</param>
/// <param name="Rejected">Refused with the library's own exception.</param>
/// <param name="Outcomes">Cases by outcome: <c>read</c>, or the refusal's error code.</param>
/// <param name="Elapsed">The whole campaign.</param>
/// <param name="Slowest">The longest single case.</param>
public sealed record FuzzReport(int Cases, int Rejected, IReadOnlyDictionary<string, int> Outcomes, TimeSpan Elapsed, TimeSpan Slowest)
{
    /// <summary>One line for the test output: the figures the fuzz suites report.</summary>
    public override string ToString() =>
        $"{Cases} mutations, {Rejected} rejected with typed errors, {Cases - Rejected} read; {Elapsed.TotalSeconds:0.0} s, slowest case {Slowest.TotalMilliseconds:0} ms; "
        + string.Join(", ", Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"));
}

/// <summary>
/// A seeded fuzz campaign over a valid seed file, shared by the readers' fuzz tests. Each case applies one to three
/// mutations (a flipped bit, an interesting byte, a truncation, inserted, deleted or duplicated bytes, or an edit of a
/// 2-, 4- or 8-byte little-endian integer: the length and offset fields of zip, pickle, safetensors and Arrow), reads the
/// result, and classifies the outcome: read, or refused with the library's own exception. Any other exception fails the
/// test naming its case and seed; a case slower than <see cref="CaseLimit"/> or a campaign slower than
/// <see cref="Budget"/> fails as a hang.
/// </summary>
public static class ByteFuzzer
{
    /// <summary>The most a whole campaign may take before it counts as a hang (generous: the suite shares 2 cores).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    /// <summary>The most one mutated file may take to read or refuse.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(5);

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'\n', (byte)'"', (byte)'{', (byte)'}', (byte)':', (byte)',', (byte)'\\', (byte)'.', 0x93, 0xC3];

    /// <summary>
    /// Runs <paramref name="cases"/> mutations of <paramref name="seedFile"/> drawn from <paramref name="randomSeed"/>
    /// through <paramref name="read"/>. <paramref name="refusal"/> names the outcome of a library exception (its error
    /// code) and returns <see langword="null"/> for any other exception, which fails the test.
    /// </summary>
    public static FuzzReport Run(string name, byte[] seedFile, int cases, int randomSeed, Action<byte[]> read, Func<Exception, string?> refusal)
    {
        ArgumentNullException.ThrowIfNull(seedFile);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(refusal);
        var current = -1;
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var rejected = 0;
        var slowest = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        var campaign = Task.Factory.StartNew(
            () =>
            {
                var random = new Random(randomSeed);
                for (var i = 0; i < cases; i++)
                {
                    Volatile.Write(ref current, i);
                    var mutated = Mutate(seedFile, random);
                    var started = watch.Elapsed;
                    string outcome;
                    try
                    {
                        read(mutated);
                        outcome = "read";
                    }
                    catch (Exception e) when (e is not AssertFailedException)
                    {
                        outcome = refusal(e) ?? throw new AssertFailedException(
                            $"{name}: case {i} (seed {randomSeed}) threw {e.GetType().FullName}, not a typed error: {e.Message}\n{e.StackTrace}", e);
                        rejected++;
                    }

                    var took = watch.Elapsed - started;
                    slowest = took > slowest ? took : slowest;
                    if (took > CaseLimit)
                    {
                        throw new AssertFailedException($"{name}: case {i} (seed {randomSeed}) took {took.TotalSeconds:0.0} s (more than {CaseLimit.TotalSeconds} s): a hang.");
                    }

                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        if (Task.WhenAny(campaign, Task.Delay(Budget)).GetAwaiter().GetResult() != campaign)
        {
            throw new AssertFailedException($"{name}: no answer within {Budget.TotalSeconds} s (hang at case {Volatile.Read(ref current)}, seed {randomSeed}).");
        }

        campaign.GetAwaiter().GetResult();
        var report = new FuzzReport(cases, rejected, outcomes, watch.Elapsed, slowest);
        Console.WriteLine($"{name}: {report}");
        return report;
    }

    /// <summary>One to three mutations of <paramref name="original"/> (which is left unchanged).</summary>
    public static byte[] Mutate(byte[] original, Random random)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(random);
        var data = original;
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            data = MutateOnce(data, random);
        }

        return data;
    }

    private static byte[] MutateOnce(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var at = random.Next(data.Length);
        var copy = (byte[])data.Clone();
        switch (random.Next(8))
        {
            case 0:
                copy[at] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                copy[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return copy;
            case 2:
                return data[..random.Next(data.Length)];
            case 3:
                var inserted = new byte[random.Next(1, 17)];
                random.NextBytes(inserted);
                return [.. data.AsSpan(0, at), .. inserted, .. data.AsSpan(at)];
            case 4:
                return [.. data.AsSpan(0, at), .. data.AsSpan(Math.Min(data.Length, at + random.Next(1, 17)))];
            case 5:
                var from = random.Next(data.Length);
                var chunk = data.AsSpan(from, Math.Min(data.Length - from, random.Next(1, 65)));
                return [.. data.AsSpan(0, at), .. chunk, .. data.AsSpan(at)];
            default:
                EditInteger(copy, at, random);
                return copy;
        }
    }

    /// <summary>Replaces a little-endian integer (2, 4 or 8 bytes) with a boundary value or a small change of itself.</summary>
    private static void EditInteger(byte[] data, int at, Random random)
    {
        var width = new[] { 2, 4, 8 }[random.Next(3)];
        if (at + width > data.Length)
        {
            at = Math.Max(0, data.Length - width);
            width = Math.Min(width, data.Length);
        }

        Span<byte> field = stackalloc byte[8];
        data.AsSpan(at, width).CopyTo(field);
        var value = BinaryPrimitives.ReadInt64LittleEndian(field);
        long[] candidates = [0, 1, -1, value + 1, value - 1, value * 2, value / 2, value + random.Next(-64, 65), int.MaxValue, uint.MaxValue, long.MaxValue, data.Length, data.Length - at, 1L << (8 * width - 1)];
        BinaryPrimitives.WriteInt64LittleEndian(field, candidates[random.Next(candidates.Length)]);
        field[..width].CopyTo(data.AsSpan(at, width));
    }
}
