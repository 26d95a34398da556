// Benchmark driver (see run.sh). The account comes from AZURE_STORAGE_CONNECTION_STRING, as for any Azure Blob store.
//   (upload and sdk-upload create the container first, untimed)
//   AzureBench upload       CONTAINER KEY FILE   the store's WriteAsync: blocks of 8 MiB, 4 in flight, atomic commit
//   AzureBench sdk-upload   CONTAINER KEY FILE   the SDK's BlobClient.UploadAsync with the same block size and concurrency
//   AzureBench download     CONTAINER KEY FILE   the store's DownloadToFileAsync: 8 ranged reads of 8 MiB in flight, hashed as they land
//   AzureBench sdk-download CONTAINER KEY FILE   the SDK's BlobClient.DownloadToAsync with the same ranges and concurrency (no hash)
//   AzureBench fetch        CONTAINER KEY ROOT   StateCache fetch into an empty cache at ROOT (download + SHA-256 + fsync + index)
using System.Diagnostics;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelStore.Azure;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: AzureBench upload|sdk-upload|download|sdk-download|fetch CONTAINER KEY PATH");
    return 2;
}

const string ServiceVersion = "2026-06-06"; // the newest Azurite 3.37 accepts
var (mode, container, key, path) = (args[0], args[1], StateKey.Parse(args[2]), args[3]);
var options = new AzureBlobStateStoreOptions { Container = container, BasePath = "pretrained-models/", ServiceVersion = ServiceVersion };
var store = new AzureBlobStateStore(options);
var transfer = new StorageTransferOptions { MaximumConcurrency = options.DownloadParallelism, InitialTransferSize = options.DownloadChunkSize, MaximumTransferSize = options.DownloadChunkSize };
BlobClient SdkBlob() => new BlobServiceClient(Environment.GetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable), new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06))
    .GetBlobContainerClient(container).GetBlobClient(store.GetBlobName(key));

if (mode is "upload" or "sdk-upload")
{
    await SdkBlob().GetParentBlobContainerClient().CreateIfNotExistsAsync();
}

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
    case "sdk-upload":
        await using (var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        {
            var blocks = new StorageTransferOptions { MaximumConcurrency = options.UploadParallelism, InitialTransferSize = options.UploadBlockSize, MaximumTransferSize = options.UploadBlockSize };
            await SdkBlob().UploadAsync(source, new BlobUploadOptions { TransferOptions = blocks });
            bytes = source.Length;
        }

        break;
    case "download":
        var download = await store.DownloadToFileAsync(key, path);
        bytes = download.BytesTransferred;
        Console.WriteLine($"sha256 {download.Sha256}");
        break;
    case "sdk-download":
        await SdkBlob().DownloadToAsync(path, new BlobDownloadToOptions { TransferOptions = transfer });
        bytes = new FileInfo(path).Length;
        break;
    case "fetch":
        var state = await new StateCache(path).GetOrFetchAsync((IStateStore)store, key);
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
