using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

[TestClass]
public sealed class LocalStateStoreConformanceTests : StateStoreConformanceTests
{
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("modelstore-local-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new LocalStateStore(_folder));
}
