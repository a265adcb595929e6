//! Scopes, bindings and import resolution over a tree-sitter-python tree (catalog §S2–§S4, §S7).
//!
//! One walk over the tree records every scope (module, function, lambda, class, comprehension) and
//! every name bound in it. Resolution follows Python's rules: class bodies are skipped from nested
//! functions, `global` redirects to the module, and a name bound by anything other than agreeing
//! imports resolves to nothing, so that a transform never matches a shadowed name.

use std::collections::{BTreeMap, HashSet};

use tree_sitter::Node;

pub type ScopeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function { is_async: bool },
    Lambda,
    Class,
    Comprehension,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingKind {
    /// An import; the string is the canonical qualified name it binds.
    Import(String),
    /// `name = value`; the binding's node is the `assignment`.
    Assignment,
    Parameter,
    /// `def name`; the binding's node is the `function_definition`.
    FunctionDef,
    ClassDef,
    /// `for name in ...`, including comprehension targets.
    Loop,
    /// `with ... as name`; the binding's node is the `with_item`.
    With,
    Except,
    /// Anything else that rebinds: augmented assignment, `del`, walrus, annotations, patterns.
    Other,
}

#[derive(Debug, Clone)]
pub struct Binding<'t> {
    pub kind: BindingKind,
    pub node: Node<'t>,
}

#[derive(Debug)]
pub struct Scope<'t> {
    pub kind: ScopeKind,
    pub node: Node<'t>,
    pub parent: Option<ScopeId>,
    /// The bytes evaluated in this scope: a function's parameters and body, a class's body.
    inner: std::ops::Range<usize>,
    /// Nested scopes, in source order.
    children: Vec<ScopeId>,
    /// For each child, the furthest end of its `inner` and those before it: `scope_of` finds the
    /// first child holding an offset by binary search, not by a scan of every child.
    children_reach: Vec<usize>,
    bindings: BTreeMap<&'t str, Vec<Binding<'t>>>,
    globals: HashSet<&'t str>,
}

/// How a rewrite can refer to `module.member` at some point of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRef {
    /// The expression to write, e.g. `aio.Semaphore`.
    pub expr: String,
    /// The module to import first (`import asyncio`), when no usable import exists yet.
    pub add_import: Option<String>,
}

pub struct Semantic<'t> {
    src: &'t str,
    root: Node<'t>,
    scopes: Vec<Scope<'t>>,
    /// For each qualified name, the module-level names bound only by imports of it, in name
    /// order: `import_ref` looks its candidates up rather than going through every binding.
    imported_as: std::collections::HashMap<String, Vec<&'t str>>,
    /// Every word of the text, made on the first `fresh_name`: one pass over the text rather
    /// than one search of it per name. (Owned: a cell of borrowed words would tie `Semantic` to
    /// exactly one lifetime.)
    words: std::cell::OnceCell<rustc_hash::FxHashSet<Box<[u8]>>>,
    /// How many nodes deep the tree goes (the root is 1).
    depth: usize,
    /// `self.x` origins already worked out, by class and attribute.
    attribute_origins:
        std::cell::RefCell<std::collections::HashMap<(usize, String), Option<String>>>,
}

const MODULE: ScopeId = 0;

impl<'t> Semantic<'t> {
    pub fn build(root: Node<'t>, src: &'t str) -> Semantic<'t> {
        let mut sem = Semantic {
            src,
            root,
            scopes: Vec::new(),
            imported_as: Default::default(),
            words: Default::default(),
            depth: 0,
            attribute_origins: Default::default(),
        };
        let module = sem.push_scope(ScopeKind::Module, root, None);
        sem.walk(root, module);
        for id in 0..sem.scopes.len() {
            let mut reach = 0;
            let children_reach = sem.scopes[id]
                .children
                .iter()
                .map(|&child| {
                    reach = reach.max(sem.scopes[child].inner.end);
                    reach
                })
                .collect();
            sem.scopes[id].children_reach = children_reach;
        }
        let mut imported_as: std::collections::HashMap<String, Vec<&'t str>> = Default::default();
        for (&name, bindings) in &sem.scopes[MODULE].bindings {
            if let Some(BindingKind::Import(first)) = bindings.first().map(|b| &b.kind) {
                let agree = bindings
                    .iter()
                    .all(|b| matches!(&b.kind, BindingKind::Import(q) if q == first));
                if agree {
                    imported_as.entry(first.clone()).or_default().push(name);
                }
            }
        }
        sem.imported_as = imported_as;
        sem
    }

    pub fn text(&self, node: Node) -> &'t str {
        &self.src[node.byte_range()]
    }

    pub fn root(&self) -> Node<'t> {
        self.root
    }

    /// How many nodes deep the tree goes, root included.
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn scope(&self, id: ScopeId) -> &Scope<'t> {
        &self.scopes[id]
    }

    fn push_scope(&mut self, kind: ScopeKind, node: Node<'t>, parent: Option<ScopeId>) -> ScopeId {
        let id = self.scopes.len();
        let inner = match kind {
            ScopeKind::Module => node.byte_range(),
            ScopeKind::Function { .. } | ScopeKind::Lambda => {
                let start = node
                    .child_by_field_name("parameters")
                    .or_else(|| node.child_by_field_name("body"))
                    .map_or(node.end_byte(), |n| n.start_byte());
                start..node.end_byte()
            }
            ScopeKind::Class => node
                .child_by_field_name("body")
                .map_or(node.end_byte()..node.end_byte(), |b| b.byte_range()),
            // The brackets belong to the outer scope; everything between them to the comprehension.
            ScopeKind::Comprehension => node.start_byte() + 1..node.end_byte(),
        };
        self.scopes.push(Scope {
            kind,
            node,
            parent,
            inner,
            children: Vec::new(),
            children_reach: Vec::new(),
            bindings: BTreeMap::new(),
            globals: HashSet::new(),
        });
        if let Some(parent) = parent {
            self.scopes[parent].children.push(id);
        }
        id
    }

    fn bind(&mut self, scope: ScopeId, name: Node<'t>, kind: BindingKind, node: Node<'t>) {
        let text = &self.src[name.byte_range()];
        let scope = if self.scopes[scope].globals.contains(text) {
            MODULE
        } else {
            scope
        };
        self.scopes[scope]
            .bindings
            .entry(text)
            .or_default()
            .push(Binding { kind, node });
    }

    /// Visits `root`'s subtree in source order, binding names and nesting scopes as it goes.
    /// The walk keeps its own stack rather than recursing, so that a deeply nested file cannot
    /// overflow the thread's; it notes how deep the tree goes.
    fn walk(&mut self, root: Node<'t>, scope: ScopeId) {
        let mut stack = vec![Step::Children(root, scope, 1)];
        while let Some(step) = stack.pop() {
            let mark = stack.len();
            match step {
                Step::Visit(node, scope, depth) => {
                    self.depth = self.depth.max(depth);
                    self.visit(node, scope, depth, &mut stack);
                }
                Step::Children(node, scope, depth) => {
                    self.depth = self.depth.max(depth);
                    push_children(node, scope, depth, &mut stack);
                }
                Step::Parameter(param, scope, depth) => {
                    self.bind_parameter(param, scope);
                    stack.push(Step::Visit(param, scope, depth));
                }
                Step::ClassBody(node, scope, depth) => {
                    let inner = self.push_scope(ScopeKind::Class, node, Some(scope));
                    if let Some(body) = node.child_by_field_name("body") {
                        stack.push(Step::Visit(body, inner, depth + 1));
                    }
                }
            }
            // Steps are pushed in source order; the stack must pop them that way.
            stack[mark..].reverse();
        }
    }

    /// One node: what it binds, and the steps for what is under it (pushed in source order).
    fn visit(&mut self, node: Node<'t>, scope: ScopeId, depth: usize, next: &mut Vec<Step<'t>>) {
        let children =
            |next: &mut Vec<Step<'t>>, scope| next.push(Step::Children(node, scope, depth));
        let at = |child: Node<'t>, scope| Step::Visit(child, scope, depth + 1);
        match node.kind() {
            // A leaf: nothing binds or nests under it.
            "identifier" => {}
            "function_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind(scope, name, BindingKind::FunctionDef, node);
                }
                let is_async = node.child(0).is_some_and(|c| c.kind() == "async");
                let inner = self.push_scope(ScopeKind::Function { is_async }, node, Some(scope));
                if let Some(ret) = node.child_by_field_name("return_type") {
                    next.push(at(ret, scope));
                }
                if let Some(params) = node.child_by_field_name("parameters") {
                    push_parameters(params, inner, depth + 1, next);
                }
                if let Some(body) = node.child_by_field_name("body") {
                    next.push(at(body, inner));
                }
            }
            "lambda" => {
                let inner = self.push_scope(ScopeKind::Lambda, node, Some(scope));
                if let Some(params) = node.child_by_field_name("parameters") {
                    push_parameters(params, inner, depth + 1, next);
                }
                if let Some(body) = node.child_by_field_name("body") {
                    next.push(at(body, inner));
                }
            }
            "class_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind(scope, name, BindingKind::ClassDef, node);
                }
                // The bases are evaluated outside the class, before its scope exists.
                if let Some(sup) = node.child_by_field_name("superclasses") {
                    next.push(at(sup, scope));
                }
                next.push(Step::ClassBody(node, scope, depth));
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                let inner = self.push_scope(ScopeKind::Comprehension, node, Some(scope));
                let mut cursor = node.walk();
                for clause in node.named_children(&mut cursor) {
                    if clause.kind() == "for_in_clause" {
                        if let Some(left) = clause.child_by_field_name("left") {
                            self.bind_targets(inner, left, BindingKind::Loop, clause);
                        }
                    }
                }
                children(next, inner);
            }
            "assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    let kind = if node.child_by_field_name("right").is_some() {
                        BindingKind::Assignment
                    } else {
                        BindingKind::Other // `x: int` makes `x` local without a value
                    };
                    self.bind_targets(scope, left, kind, node);
                }
                children(next, scope);
            }
            "augmented_assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.bind_targets(scope, left, BindingKind::Other, node);
                }
                children(next, scope);
            }
            "for_statement" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.bind_targets(scope, left, BindingKind::Loop, node);
                }
                children(next, scope);
            }
            "with_item" => {
                if let Some(value) = node.child_by_field_name("value") {
                    if value.kind() == "as_pattern" {
                        if let Some(alias) = value.child_by_field_name("alias") {
                            self.bind_targets(scope, alias, BindingKind::With, node);
                        }
                    }
                }
                children(next, scope);
            }
            "except_clause" => {
                // `except E as e` comes as an as_pattern whose alias is the bound name.
                let alias = node.child_by_field_name("alias").or_else(|| {
                    node.child_by_field_name("value")
                        .filter(|v| v.kind() == "as_pattern")
                        .and_then(|v| v.child_by_field_name("alias"))
                });
                if let Some(alias) = alias {
                    self.bind_targets(scope, alias, BindingKind::Except, node);
                }
                children(next, scope);
            }
            "named_expression" => {
                // The walrus binds in the nearest enclosing non-comprehension scope.
                let mut target = scope;
                while self.scopes[target].kind == ScopeKind::Comprehension {
                    target = self.scopes[target].parent.unwrap_or(MODULE);
                }
                if let Some(name) = node.child_by_field_name("name") {
                    self.bind(target, name, BindingKind::Other, node);
                }
                children(next, scope);
            }
            "delete_statement" => {
                let mut cursor = node.walk();
                for target in node.named_children(&mut cursor) {
                    self.bind_targets(scope, target, BindingKind::Other, node);
                }
                children(next, scope);
            }
            "global_statement" | "nonlocal_statement" => {
                let mut cursor = node.walk();
                for name in node.named_children(&mut cursor) {
                    let text = &self.src[name.byte_range()];
                    if node.kind() == "global_statement" {
                        self.scopes[scope].globals.insert(text);
                    } else {
                        // A nonlocal rebinding makes the enclosing binding unknowable here.
                        self.bind(scope, name, BindingKind::Other, node);
                    }
                }
                children(next, scope);
            }
            "import_statement" => {
                self.visit_import(node, scope);
                children(next, scope);
            }
            "import_from_statement" => {
                if self.visit_import_from(node, scope) {
                    children(next, scope);
                }
            }
            "case_pattern" | "type_alias_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "dotted_name" && child.named_child_count() == 1 {
                        if let Some(name) = child.named_child(0) {
                            self.bind(scope, name, BindingKind::Other, node);
                        }
                    }
                }
                children(next, scope);
            }
            _ => children(next, scope),
        }
    }

    fn bind_parameter(&mut self, param: Node<'t>, scope: ScopeId) {
        let name = match param.kind() {
            "identifier" => Some(param),
            "default_parameter" | "typed_default_parameter" => param.child_by_field_name("name"),
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                first_identifier(param)
            }
            _ => None,
        };
        if let Some(name) = name.filter(|n| n.kind() == "identifier") {
            self.bind(scope, name, BindingKind::Parameter, param);
        }
    }

    /// Binds every name in an assignment target, left to right.
    fn bind_targets(
        &mut self,
        scope: ScopeId,
        target: Node<'t>,
        kind: BindingKind,
        node: Node<'t>,
    ) {
        let mut stack = vec![(target, kind)];
        while let Some((target, kind)) = stack.pop() {
            match target.kind() {
                "identifier" => self.bind(scope, target, kind, node),
                "attribute" | "subscript" => {}
                _ => {
                    // Unpacking makes the value of each name unknowable from the statement alone.
                    let kind = if kind == BindingKind::Assignment {
                        BindingKind::Other
                    } else {
                        kind
                    };
                    let mut cursor = target.walk();
                    let children: Vec<_> = target.named_children(&mut cursor).collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, kind.clone())));
                }
            }
        }
    }

    fn visit_import(&mut self, node: Node<'t>, scope: ScopeId) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            match name.kind() {
                "dotted_name" => {
                    // `import a.b.c` binds `a` to the module `a`.
                    if let Some(first) = name.named_child(0) {
                        let module = self.text(first).to_string();
                        self.bind(scope, first, BindingKind::Import(module), node);
                    }
                }
                "aliased_import" => {
                    if let (Some(dotted), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) {
                        let module = canonical(&dotted_text(self.src, dotted));
                        self.bind(scope, alias, BindingKind::Import(module), node);
                    }
                }
                _ => {}
            }
        }
    }

    /// Binds what a `from` import imports; `false` when it names no module (then nothing under
    /// it is visited either).
    fn visit_import_from(&mut self, node: Node<'t>, scope: ScopeId) -> bool {
        let Some(module) = node.child_by_field_name("module_name") else {
            return false;
        };
        // Relative imports keep their dots, so they never equal an absolute name.
        let module = match module.kind() {
            "relative_import" => self.text(module).to_string(),
            _ => dotted_text(self.src, module),
        };
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, bound) = match name.kind() {
                "dotted_name" => (name, name),
                "aliased_import" => match (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ) {
                    (Some(imported), Some(alias)) => (imported, alias),
                    _ => continue,
                },
                _ => continue,
            };
            let qualified = canonical(&format!("{module}.{}", dotted_text(self.src, imported)));
            self.bind(scope, bound, BindingKind::Import(qualified), node);
        }
        true
    }

    /// The scope in which `node` is evaluated: the innermost scope whose evaluated bytes hold its
    /// start. Found by descending the scope tree, without walking the syntax tree's parents.
    pub fn scope_of(&self, node: Node<'t>) -> ScopeId {
        let at = node.start_byte();
        let mut id = MODULE;
        loop {
            let scope = &self.scopes[id];
            // Children are in source order. The first one holding `at` is the first, among those
            // starting at or before it, whose reach (with those before it) passes `at`.
            let before = scope
                .children
                .partition_point(|&c| self.scopes[c].inner.start <= at);
            let first = scope.children_reach[..before].partition_point(|&end| end <= at);
            if first == before {
                return id;
            }
            id = scope.children[first];
        }
    }

    /// The bindings that a use of `name` at `at` sees, following Python's scope rules.
    pub fn lookup(&self, name: &str, at: Node<'t>) -> Option<&[Binding<'t>]> {
        let start = self.scope_of(at);
        let mut id = start;
        loop {
            let scope = &self.scopes[id];
            if scope.globals.contains(name) {
                return self.scopes[MODULE].bindings.get(name).map(Vec::as_slice);
            }
            // A class body's names are visible in the class body only, not in its methods.
            if scope.kind != ScopeKind::Class || id == start {
                if let Some(bindings) = scope.bindings.get(name) {
                    return Some(bindings);
                }
            }
            id = scope.parent?;
        }
    }

    /// The single binding of the name `node` refers to, if there is exactly one.
    pub fn origin(&self, node: Node<'t>) -> Option<&Binding<'t>> {
        match self.lookup(self.text(node), node)? {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The canonical qualified name an `identifier` or `attribute` chain refers to, through
    /// imports and aliases; `None` when any binding of it is not an agreeing import.
    pub fn qualified_name(&self, expr: Node<'t>) -> Option<String> {
        match expr.kind() {
            "identifier" => {
                let bindings = self.lookup(self.text(expr), expr)?;
                let mut names = bindings.iter().map(|b| match &b.kind {
                    BindingKind::Import(q) => Some(q.as_str()),
                    _ => None,
                });
                let first = names.next()??;
                names.all(|n| n == Some(first)).then(|| canonical(first))
            }
            "attribute" => {
                // Down the chain to its first name, then back up, one attribute at a time.
                let mut attrs = Vec::new();
                let mut object = expr;
                while object.kind() == "attribute" {
                    attrs.push(object.child_by_field_name("attribute")?);
                    object = object.child_by_field_name("object")?;
                }
                if object.kind() != "identifier" {
                    return None;
                }
                let mut name = self.qualified_name(object)?;
                for attr in attrs.into_iter().rev() {
                    name = canonical(&format!("{name}.{}", self.text(attr)));
                }
                Some(name)
            }
            _ => None,
        }
    }

    /// The qualified name of the call that produced the value `expr` holds (catalog §S3): a
    /// single binding `n = X(...)` (awaited or not) or `n: X = ...`, `with X(...) as n`, a
    /// parameter annotated `n: X`, or `self.n = X(...)` / `self.n: X = ...` in the class's
    /// `__init__`. `None` when unknown.
    pub fn value_origin(&self, expr: Node<'t>) -> Option<String> {
        match expr.kind() {
            "identifier" => {
                let binding = self.origin(expr)?;
                match binding.kind {
                    BindingKind::Assignment => self.assignment_origin(binding.node),
                    BindingKind::With => {
                        let value = binding.node.child_by_field_name("value")?;
                        self.call_name(value.named_child(0)?)
                    }
                    BindingKind::Parameter => {
                        let annotation = binding.node.child_by_field_name("type")?;
                        self.qualified_name(annotation.named_child(0).unwrap_or(annotation))
                    }
                    _ => None,
                }
            }
            "attribute" => self.self_attribute_origin(expr),
            _ => None,
        }
    }

    /// For `a, b = await X(...)`: the qualified name of `X` and the position of `expr` among the
    /// targets, such as `("asyncio.open_connection", 0)` for a stream reader.
    pub fn unpacked_origin(&self, expr: Node<'t>) -> Option<(String, usize)> {
        let binding = self.origin(expr)?;
        let assignment = binding.node;
        if assignment.kind() != "assignment" {
            return None;
        }
        let left = assignment.child_by_field_name("left")?;
        if !matches!(left.kind(), "pattern_list" | "tuple_pattern") {
            return None;
        }
        let mut cursor = left.walk();
        let index = left.named_children(&mut cursor).position(|target| {
            target.kind() == "identifier" && self.text(target) == self.text(expr)
        })?;
        Some((
            self.call_name(assignment.child_by_field_name("right")?)?,
            index,
        ))
    }

    /// What an assignment says its value is: the annotation of `x: T = ...`, else the call that
    /// made it.
    fn assignment_origin(&self, assignment: Node<'t>) -> Option<String> {
        if let Some(annotation) = assignment.child_by_field_name("type") {
            return self.qualified_name(annotation.named_child(0).unwrap_or(annotation));
        }
        self.call_name(assignment.child_by_field_name("right")?)
    }

    /// The qualified callee of `value` when it is a call, seen through `await`.
    fn call_name(&self, value: Node<'t>) -> Option<String> {
        let value = if value.kind() == "await" {
            value.named_child(0)?
        } else {
            value
        };
        if value.kind() != "call" {
            return None;
        }
        self.qualified_name(value.child_by_field_name("function")?)
    }

    /// `self.x`: every assignment to `self.x` in the enclosing class must be in `__init__` and
    /// agree on the call that made the value.
    fn self_attribute_origin(&self, expr: Node<'t>) -> Option<String> {
        let object = expr.child_by_field_name("object")?;
        if object.kind() != "identifier" || self.text(object) != "self" {
            return None;
        }
        let attr = self.text(expr.child_by_field_name("attribute")?);
        let mut class = expr.parent();
        while let Some(node) = class {
            if node.kind() == "class_definition" {
                break;
            }
            class = node.parent();
        }
        let class = class?;
        let key = (class.id(), attr.to_string());
        if let Some(known) = self.attribute_origins.borrow().get(&key) {
            return known.clone();
        }
        let origin = self.class_attribute_origin(class, attr);
        self.attribute_origins
            .borrow_mut()
            .insert(key, origin.clone());
        origin
    }

    fn class_attribute_origin(&self, class: Node<'t>, attr: &str) -> Option<String> {
        let mut origin: Option<String> = None;
        let mut stack = vec![class.child_by_field_name("body")?];
        while let Some(node) = stack.pop() {
            if node.kind() == "class_definition" {
                continue;
            }
            if node.kind() == "assignment" {
                let left = node.child_by_field_name("left");
                let assigns_attr = left.is_some_and(|l| {
                    l.kind() == "attribute"
                        && l.child_by_field_name("object")
                            .is_some_and(|o| self.text(o) == "self")
                        && l.child_by_field_name("attribute")
                            .is_some_and(|a| self.text(a) == attr)
                });
                if assigns_attr {
                    let in_init = self
                        .enclosing_function_scope(node)
                        .and_then(|id| self.scopes[id].node.child_by_field_name("name"))
                        .is_some_and(|name| self.text(name) == "__init__");
                    let made_by = self.assignment_origin(node);
                    match (in_init, made_by, &origin) {
                        (true, Some(q), None) => origin = Some(q),
                        (true, Some(q), Some(seen)) if &q == seen => {}
                        _ => return None,
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        origin
    }

    /// Whether the function or lambda that encloses `node` is an `async def`.
    pub fn in_async_context(&self, node: Node<'t>) -> bool {
        matches!(
            self.enclosing_function_scope(node)
                .map(|id| self.scopes[id].kind),
            Some(ScopeKind::Function { is_async: true })
        )
    }

    /// The nearest function or lambda scope around `node`, seen through comprehensions.
    pub fn enclosing_function_scope(&self, node: Node<'t>) -> Option<ScopeId> {
        let mut id = self.scope_of(node);
        loop {
            match self.scopes[id].kind {
                ScopeKind::Comprehension => id = self.scopes[id].parent?,
                ScopeKind::Function { .. } | ScopeKind::Lambda => return Some(id),
                ScopeKind::Module | ScopeKind::Class => return None,
            }
        }
    }

    /// A name based on `base` that the file does not hold as a word anywhere, in code, strings or
    /// comments: `base`, `base_2`, `base_3`, … It reads the text, not the tree, so it gives the
    /// same answer when only parts of the file were parsed (`regions.rs`).
    pub fn fresh_name(&self, base: &str) -> String {
        let words = self.words.get_or_init(|| {
            crate::outline::words(self.src.as_bytes())
                .map(Box::from)
                .collect()
        });
        let taken = |name: &str| {
            if name.bytes().all(crate::outline::is_word_byte) && !name.is_empty() {
                words.contains(name.as_bytes())
            } else {
                crate::outline::has_word(self.src.as_bytes(), name)
            }
        };
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}_{n}"))
            .find(|candidate| !taken(candidate))
            .expect("an unused suffix exists")
    }

    /// The module-level bindings of `name`.
    pub fn module_bindings(&self, name: &str) -> &[Binding<'t>] {
        self.scopes[MODULE]
            .bindings
            .get(name)
            .map_or(&[], Vec::as_slice)
    }

    /// How to write `module.member` at `at`: through an existing import or alias when one resolves
    /// there, otherwise through a new `import module`. `None` when the module's name is taken by
    /// something else, so that no import can be added without shadowing.
    pub fn import_ref(&self, module: &str, member: &str, at: Node<'t>) -> Option<ImportRef> {
        let wanted = format!("{module}.{member}");
        let names_of = |q: &str| self.imported_as.get(q).map_or(&[][..], Vec::as_slice);
        // In name order, as the bindings are kept: the first visible name imported as the module
        // or as the member itself.
        let mut candidates: Vec<(&str, bool)> = names_of(module)
            .iter()
            .map(|&n| (n, true))
            .chain(names_of(&wanted).iter().map(|&n| (n, false)))
            .collect();
        candidates.sort_unstable();
        for (name, is_module) in candidates {
            let bindings = self.module_bindings(name);
            let visible = self.lookup(name, at).map(<[_]>::as_ptr) == Some(bindings.as_ptr());
            if visible {
                return Some(ImportRef {
                    expr: if is_module {
                        format!("{name}.{member}")
                    } else {
                        name.to_string()
                    },
                    add_import: None,
                });
            }
        }
        let top = module.split('.').next().unwrap_or(module);
        if self.lookup(top, at).is_some() {
            return None;
        }
        Some(ImportRef {
            expr: wanted,
            add_import: Some(module.to_string()),
        })
    }
}

/// What is left to do in `Semantic::walk`, at a depth in the tree.
enum Step<'t> {
    Visit(Node<'t>, ScopeId, usize),
    /// The named children of a node, in the given scope.
    Children(Node<'t>, ScopeId, usize),
    /// A parameter: bind its name, then visit it.
    Parameter(Node<'t>, ScopeId, usize),
    /// A class's own scope and body, after its bases.
    ClassBody(Node<'t>, ScopeId, usize),
}

fn push_children<'t>(node: Node<'t>, scope: ScopeId, depth: usize, next: &mut Vec<Step<'t>>) {
    let mut cursor = node.walk();
    next.extend(
        node.named_children(&mut cursor)
            .map(|child| Step::Visit(child, scope, depth + 1)),
    );
}

fn push_parameters<'t>(params: Node<'t>, scope: ScopeId, depth: usize, next: &mut Vec<Step<'t>>) {
    let mut cursor = params.walk();
    next.extend(
        params
            .named_children(&mut cursor)
            .map(|param| Step::Parameter(param, scope, depth + 1)),
    );
}

fn first_identifier(node: Node) -> Option<Node> {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .find(|c| c.kind() == "identifier");
    found
}

fn dotted_text(src: &str, node: Node) -> String {
    let mut cursor = node.walk();
    let parts: Vec<&str> = node
        .named_children(&mut cursor)
        .map(|part| &src[part.byte_range()])
        .collect();
    if parts.is_empty() {
        src[node.byte_range()].to_string()
    } else {
        parts.join(".")
    }
}

/// Maps re-exports to the public name: `asyncio.tasks.gather` → `asyncio.gather`.
pub fn canonical(qualified: &str) -> String {
    const PRIVATE_MODULES: &[(&str, &str)] = &[
        ("asyncio.tasks.", "asyncio."),
        ("asyncio.locks.", "asyncio."),
        ("asyncio.queues.", "asyncio."),
        ("asyncio.exceptions.", "asyncio."),
        ("asyncio.timeouts.", "asyncio."),
        ("asyncio.taskgroups.", "asyncio."),
        ("asyncio.threads.", "asyncio."),
        ("asyncio.events.", "asyncio."),
        ("asyncio.futures.", "asyncio."),
        ("concurrent.futures.thread.", "concurrent.futures."),
        ("concurrent.futures.process.", "concurrent.futures."),
        ("concurrent.futures._base.", "concurrent.futures."),
        ("requests.api.", "requests."),
        ("requests.sessions.", "requests."),
    ];
    for (private, public) in PRIVATE_MODULES {
        if let Some(rest) = qualified.strip_prefix(private) {
            return format!("{public}{rest}");
        }
    }
    qualified.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn resolve_all(src: &str, needle: &str) -> Vec<Option<String>> {
        let tree = parse(src).expect("parses");
        let sem = Semantic::build(tree.root_node(), src);
        let mut found = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "call" {
                let callee = node.child_by_field_name("function").unwrap();
                if sem.text(callee) == needle {
                    found.push((node.start_byte(), sem.qualified_name(callee)));
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        found.sort();
        found.into_iter().map(|(_, q)| q).collect()
    }

    #[test]
    fn aliases_resolve_and_locals_shadow() {
        let src = "import asyncio as aio\nfrom asyncio import gather as g\n\
                   async def a():\n    await aio.gather()\n    await g()\n\
                   async def b(g):\n    await g()\n\
                   async def c():\n    aio = object()\n    await aio.gather()\n";
        assert_eq!(
            resolve_all(src, "aio.gather"),
            vec![Some("asyncio.gather".to_string()), None]
        );
        assert_eq!(
            resolve_all(src, "g"),
            vec![Some("asyncio.gather".to_string()), None]
        );
    }

    #[test]
    fn class_bodies_are_not_visible_from_methods() {
        let src = "import asyncio\nclass C:\n    asyncio = None\n    async def m(self):\n        await asyncio.sleep(0)\n";
        assert_eq!(
            resolve_all(src, "asyncio.sleep"),
            vec![Some("asyncio.sleep".to_string())]
        );
    }

    #[test]
    fn function_level_imports_and_reexports() {
        let src = "async def f():\n    from asyncio.tasks import gather as spawn\n    await spawn()\nasync def h():\n    await spawn()\n";
        assert_eq!(
            resolve_all(src, "spawn"),
            vec![Some("asyncio.gather".to_string()), None]
        );
    }

    #[test]
    fn disagreeing_conditional_imports_resolve_to_nothing() {
        let src = "try:\n    from trio import sleep\nexcept ImportError:\n    from asyncio import sleep\nsleep(1)\n";
        assert_eq!(resolve_all(src, "sleep"), vec![None]);
    }

    #[test]
    fn import_ref_reuses_alias_or_requests_import() {
        let src = "import asyncio as aio\nasync def f():\n    pass\n";
        let tree = parse(src).unwrap();
        let sem = Semantic::build(tree.root_node(), src);
        let at = tree.root_node().named_child(1).unwrap();
        assert_eq!(
            sem.import_ref("asyncio", "Semaphore", at).unwrap().expr,
            "aio.Semaphore"
        );
        let src = "asyncio = 1\n";
        let tree = parse(src).unwrap();
        let sem = Semantic::build(tree.root_node(), src);
        assert_eq!(
            sem.import_ref("asyncio", "Semaphore", tree.root_node()),
            None
        );
    }

    #[test]
    fn value_origins() {
        let src = "import requests\nimport asyncio\nfrom httpx import AsyncClient\n\
                   session = requests.Session()\n\
                   class Api:\n    def __init__(self):\n        self.s = requests.Session()\n\
                   \x20   def go(self, c: AsyncClient):\n        with requests.Session() as w:\n            pass\n\
                   \x20       return self.s, session, w, c\n\
                   async def f():\n    reader, writer = await asyncio.open_connection('h', 1)\n    return writer\n";
        let tree = parse(src).unwrap();
        let sem = Semantic::build(tree.root_node(), src);
        let mut found = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "return_statement" {
                let value = node.named_child(0).unwrap();
                let mut cursor = value.walk();
                let items: Vec<_> = if value.kind() == "expression_list" {
                    value.named_children(&mut cursor).collect()
                } else {
                    vec![value]
                };
                for item in items {
                    found.push((
                        sem.text(item).to_string(),
                        sem.value_origin(item),
                        sem.unpacked_origin(item),
                    ));
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        found.sort();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            found,
            vec![
                ("c".into(), s("httpx.AsyncClient"), None),
                ("self.s".into(), s("requests.Session"), None),
                ("session".into(), s("requests.Session"), None),
                ("w".into(), s("requests.Session"), None),
                (
                    "writer".into(),
                    None,
                    Some(("asyncio.open_connection".to_string(), 1))
                ),
            ]
        );
    }

    #[test]
    fn fresh_names_avoid_every_identifier() {
        let src = "_limiter = 1\n_limiter_2 = 2\n";
        let tree = parse(src).unwrap();
        let sem = Semantic::build(tree.root_node(), src);
        assert_eq!(sem.fresh_name("_limiter"), "_limiter_3");
        assert_eq!(sem.fresh_name("_bounded"), "_bounded");
    }
}
