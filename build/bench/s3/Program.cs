// Benchmark driver (see run.sh). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY;
// S3BENCH_PARALLELISM and S3BENCH_CHUNK_MIB override the download's parallelism (8) and chunk size (8 MiB).
//   S3Bench upload   ENDPOINT BUCKET KEY FILE   store FILE under KEY (streamed, multipart)
//   S3Bench download ENDPOINT BUCKET KEY FILE   DownloadToFileAsync: parallel ranged GETs into FILE, hashed as they land
//   S3Bench fetch    ENDPOINT BUCKET KEY ROOT   StateCache fetch into an empty cache at ROOT (download + SHA-256 + index)
using System.Diagnostics;
using ModelStore.Caching;
using ModelStore.S3;
using ModelStore.States;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: S3Bench upload|download|fetch ENDPOINT BUCKET KEY PATH");
    return 2;
}

var (mode, endpoint, bucket, key, path) = (args[0], args[1], args[2], StateKey.Parse(args[3]), args[4]);
using var store = new S3StateStore(new S3StateStoreOptions
{
    Bucket = bucket,
    BasePath = "pretrained-models/",
    ServiceUrl = endpoint,
    ForcePathStyle = true,
    ChecksumsOnlyWhenRequired = true,
    DownloadParallelism = int.TryParse(Environment.GetEnvironmentVariable("S3BENCH_PARALLELISM"), out var parallelism) ? parallelism : 8,
    DownloadChunkSize = (int.TryParse(Environment.GetEnvironmentVariable("S3BENCH_CHUNK_MIB"), out var chunkMiB) ? chunkMiB : 8) << 20,
});

var clock = Stopwatch.StartNew();
long bytes;
switch (mode)
{
    case "upload":
        await using (var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        {
            await store.WriteAsync(key, source, overwrite: true);
            bytes = source.Length;
        }

        break;
    case "download":
        var download = await store.DownloadToFileAsync(key, path);
        bytes = download.BytesTransferred;
        Console.WriteLine($"sha256 {download.Sha256}");
        break;
    case "fetch":
        var state = await new StateCache(path).GetOrFetchAsync(store, key);
        bytes = state.Size;
        Console.WriteLine($"sha256 {state.Sha256}");
        break;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}

var seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{mode}: {bytes} bytes in {seconds:F2} s ({bytes / seconds / (1 << 20):F0} MiB/s)");
return 0;
