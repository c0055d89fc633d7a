// Package table renders kubecgroups documents for people: the table and
// wide views of a diff report (WriteDiff, WriteDiffList), an expectation
// (WriteExpectation) and a node's cgroups (WriteNode), laid out for Width
// columns as kubectl lays out its tables. JSON and YAML views are the
// documents themselves, encoded.
package table
