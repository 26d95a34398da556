using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>Parallel ranged downloads into a file, resumed after an interruption, and fetched through the cache, on Azurite.</summary>
[TestClass]
public sealed class AzureBlobDownloadTests : FileDownloadConformanceTests
{
    protected override async Task<IFileDownloadingStore> CreateStoreAsync()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        options.DownloadChunkSize = 1024 * 1024;
        options.DownloadParallelism = 4;
        return new AzureBlobStateStore(options);
    }
}
