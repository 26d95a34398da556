using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>Parallel ranged downloads into a file, resumed after an interruption, and fetched through the cache, on radosgw.</summary>
[TestClass]
public sealed class S3DownloadTests : FileDownloadConformanceTests
{
    protected override async Task<IFileDownloadingStore> CreateStoreAsync()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.DownloadChunkSize = 1024 * 1024;
        options.DownloadParallelism = 4;
        return new S3StateStore(options);
    }
}
