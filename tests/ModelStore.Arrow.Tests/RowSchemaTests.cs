using Apache.Arrow.Types;

namespace ModelStore.Arrow.Tests;

/// <summary>Declaring row schemas: names, versions, chains and column inheritance.</summary>
[TestClass]
public sealed class RowSchemaTests
{
    [TestMethod]
    public void An_extension_lists_parent_columns_first_and_qualifies_its_identifier_with_the_whole_chain()
    {
        var digits = TestFiles.DigitsRowV1;
        var tuned = digits.Extend("digits.tuned.model", 3, RowColumn.Optional("commit_sha", StringType.Default));

        Assert.AreEqual("digits.model@1>legolas-flux.model@1", digits.QualifiedIdentifier);
        Assert.AreEqual("digits.tuned.model@3>digits.model@1>legolas-flux.model@1", tuned.QualifiedIdentifier);
        CollectionAssert.AreEqual(
            new[] { "weights", "architecture_version", "config", "epoch", "accuracy", "commit_sha" },
            tuned.Columns.Select(column => column.Name).ToArray());
        Assert.IsTrue(tuned.IsOrExtends(ModelRowSchemas.ModelV1));
        Assert.IsTrue(tuned.IsOrExtends(digits));
        Assert.IsFalse(digits.IsOrExtends(tuned));
    }

    [TestMethod]
    [DataRow("Digits.Model")]
    [DataRow("digits_model")]
    [DataRow("digits@model")]
    [DataRow("digits>model")]
    [DataRow("")]
    public void A_schema_name_outside_legolas_rule_is_refused(string name) =>
        Assert.ThrowsExactly<ArgumentException>(() => ModelRowSchemas.ModelV1.Extend(name, 1));

    [TestMethod]
    public void A_negative_version_is_refused() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ModelRowSchemas.ModelV1.Extend("digits.model", -1));

    [TestMethod]
    public void Redeclaring_a_parent_column_with_another_type_is_refused()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(
            () => ModelRowSchemas.ModelV1.Extend("digits.model", 1, RowColumn.Optional("architecture_version", StringType.Default)));
        Assert.Contains("architecture_version", error.Message);
    }

    [TestMethod]
    public void Declaring_a_column_twice_or_extending_a_chain_with_itself_is_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ModelRowSchemas.ModelV1.Extend(
            "digits.model", 1, RowColumn.Optional("epoch", Int64Type.Default), RowColumn.Optional("epoch", Int64Type.Default)));
        Assert.ThrowsExactly<ArgumentException>(() => TestFiles.DigitsRowV1.Extend("legolas-flux.model", 2));
    }

    [TestMethod]
    public void A_registry_refuses_a_second_different_declaration_of_the_same_name_and_version()
    {
        var registry = new RowSchemaRegistry(TestFiles.DigitsRowV1);
        var other = ModelRowSchemas.ModelV1.Extend("digits.model", 1, RowColumn.Optional("epoch", StringType.Default));

        Assert.ThrowsExactly<ArgumentException>(() => registry.Declare(other));
        Assert.AreSame(TestFiles.DigitsRowV1, registry.Find(new SchemaVersion("digits.model", 1)));
        Assert.AreSame(ModelRowSchemas.ModelV1, registry.Find(new SchemaVersion("legolas-flux.model", 1)));
    }

    [TestMethod]
    [DataRow("digits.model@1>legolas-flux.model@1", 2)]
    [DataRow(" digits.model@1 > legolas-flux.model@1 ", 2)]
    [DataRow("legolas-flux.model@1", 1)]
    public void Qualified_identifiers_parse_into_their_chain(string identifier, int length)
    {
        var chain = SchemaVersion.ParseChain(identifier);

        Assert.HasCount(length, chain);
        Assert.AreEqual(new SchemaVersion("legolas-flux.model", 1), chain[^1]);
    }

    [TestMethod]
    [DataRow("digits.model")]
    [DataRow("digits.model@one")]
    [DataRow("digits.model@1>")]
    [DataRow("digits.model@-1")]
    [DataRow("Digits@1")]
    [DataRow("a@1@2")]
    public void Malformed_identifiers_are_typed_errors(string identifier)
    {
        var error = Assert.ThrowsExactly<ModelRowException>(() => SchemaVersion.ParseChain(identifier));
        Assert.AreEqual(ModelRowError.MalformedSchemaIdentifier, error.RowError);
    }

    [TestMethod]
    public void A_row_checks_its_values_against_the_declared_columns()
    {
        var weights = TestFiles.SmallRow<float>(ModelRowSchemas.ModelV1, i => i).Weights;
        var config = new Dictionary<string, object?> { ["seed"] = 5L, ["dropout_rate"] = 0.5f };

        Assert.ThrowsExactly<ArgumentException>(() => new ModelRow(TestFiles.DigitsRowV1, weights), "config is required");
        Assert.ThrowsExactly<ArgumentException>(() => new ModelRow(TestFiles.DigitsRowV1, weights, values: new Dictionary<string, object?> { ["config"] = config, ["epoch"] = "one" }));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelRow(TestFiles.DigitsRowV1, weights, values: new Dictionary<string, object?> { ["config"] = config, ["loss"] = 1.0 }));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelRow(TestFiles.DigitsRowV1, weights, values: new Dictionary<string, object?> { ["config"] = new Dictionary<string, object?> { ["seed"] = 5L } }));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelRow(RowSchema.Declare("unrelated", 1), weights));

        var row = new ModelRow(TestFiles.DigitsRowV1, weights, values: new Dictionary<string, object?> { ["config"] = config, ["epoch"] = 3 });
        Assert.AreEqual(3, row["epoch"]);
    }

    [TestMethod]
    public void Arrays_of_different_element_types_cannot_make_one_model()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new ModelWeights(
            WeightElementType.Float32,
            [WeightArray.FromRowMajor<float>(new float[2], 2), WeightArray.FromRowMajor<double>(new double[2], 2)]));
        Assert.Contains("Float64", error.Message);
    }

    [TestMethod]
    public void An_array_whose_shape_does_not_hold_its_values_is_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => WeightArray.FromRowMajor<float>(new float[6], 4, 2));
        Assert.ThrowsExactly<ArgumentException>(() => WeightArray.FromRowMajor<float>(new float[0], -1, 0));
    }
}
