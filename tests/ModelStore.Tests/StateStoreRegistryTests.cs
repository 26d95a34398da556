using ModelStore.Stores;

namespace ModelStore.Tests;

[TestClass]
public sealed class StateStoreRegistryTests
{
    [TestMethod]
    public void The_default_registry_always_knows_the_local_kind()
    {
        Assert.IsInstanceOfType<LocalStateStoreProvider>(StateStoreRegistry.Default.Find("LOCAL"));
        Assert.IsNull(StateStoreRegistry.Default.Find("Ftp"));
    }

    [TestMethod]
    public void A_third_party_provider_loads_by_type_name_and_by_assembly_path_and_creates_its_store()
    {
        var byName = StateStoreRegistry.LoadProvider(typeof(MemoryStoreProvider).AssemblyQualifiedName!);
        var byPath = StateStoreRegistry.LoadProvider(typeof(MemoryStoreProvider).FullName!, typeof(MemoryStoreProvider).Assembly.Location);
        var registry = StateStoreRegistry.Default.With(byPath);

        var store = registry.Create(new StateStoreSettings("mine", "memory", [new("Label", "x")], "/"));

        Assert.IsInstanceOfType<MemoryStoreProvider>(byName);
        Assert.IsInstanceOfType<MemoryStoreProvider>(byPath);
        Assert.AreEqual("list:memory x", store.Id);
        CollectionAssert.Contains(registry.Kinds.ToList(), "Memory");
    }

    [TestMethod]
    public void Unknown_kinds_and_bad_provider_types_are_argument_errors_that_say_why()
    {
        var unknown = Assert.ThrowsExactly<ArgumentException>(() => StateStoreRegistry.Default.Create(new StateStoreSettings("x", "Ftp", [], "/")));
        var missing = Assert.ThrowsExactly<ArgumentException>(() => StateStoreRegistry.LoadProvider("No.Such.Provider", typeof(MemoryStoreProvider).Assembly.Location));
        var notProvider = Assert.ThrowsExactly<ArgumentException>(() => StateStoreRegistry.LoadProvider(typeof(string).AssemblyQualifiedName!));
        var noFile = Assert.ThrowsExactly<ArgumentException>(() => StateStoreRegistry.LoadProvider("A.B", "/no/such/provider.dll"));

        StringAssert.Contains(unknown.Message, "Known kinds: Local");
        StringAssert.Contains(missing.Message, "was not found");
        StringAssert.Contains(notProvider.Message, "is not a store provider");
        StringAssert.Contains(noFile.Message, "does not exist");
    }
}

/// <summary>A provider defined outside the shipped packages, as a third party would write one.</summary>
public sealed class MemoryStoreProvider : IStateStoreProvider
{
    public string Kind => "Memory";

    public IStateStore Create(StateStoreSettings settings) => new ListStateStore([], $"memory {settings.GetRequired("Label")}");
}
