// Sampling on the device, as the CPU's sampler (runtime/core/sampler.c)
// with top-k on: temperature, the k likeliest tokens, then top-p among them,
// drawn with a coin the host draws from the same generator, so that only
// the token id crosses the bus.
//
// params: temperature (> 0), top-p (off when <= 0 or >= 1), k (1 to 64, as
// a float), coin in [0, 1). out[0]: the token, or -1 when the logits are
// not finite.
//
// Candidates are chosen by logit, then index, and the k chosen are put in
// the CPU's order, by probability, then index (its stable sort). The two
// differ only where distinct logits round to one probability: at the k-th
// place such a tie could keep a different token than the CPU. The sums
// (the denominator, over lanes) are taken in another order than the CPU's
// and exp is the kernels' polynomial, not the runtime's dsc_expf, so a
// coin within float rounding of a boundary could pick the next token.
//
// vals/idx hold 273 lists of up to 64 candidates, cnt their lengths, stat
// 512 floats (each lane's largest logit, then its sum of exponentials):
//   1. 256 lanes: each keeps the top k of its strided slice (lists 0-255)
//      by insertion, and its largest logit;
//   2. 256 lanes: each sums exp(x / T - max / T) over its slice, the
//      softmax's denominator in parts;
//   3. 16 lanes merge 16 lists each (lists 256-271), then one lane merges
//      those 16 (list 272): the top k overall;
//   4. one lane: probabilities, the top-p cut and the draw into out[0].
func.func @dsc_cuda_sample(%logits: memref<?xf32>, %params: memref<?xf32>,
                           %vals: memref<?xf32>, %idx: memref<?xi32>,
                           %cnt: memref<?xi32>, %stat: memref<?xf32>,
                           %out: memref<?xi32>, %n: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %c272 = arith.constant 272 : index
  %ninf = arith.constant 0xFF800000 : f32
  %f0 = arith.constant 0.0 : f32
  %f1 = arith.constant 1.0 : f32
  %false = arith.constant false
  %true = arith.constant true
  // Everything read from memory is read in the kernels: this function's
  // own code runs on the host, which launches them (and a CUDA graph
  // replays those launches with the values they had when captured).

  // 1. Each lane's top k, in order, and its largest logit.
  scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c256) step (%c1) {
      %kf = memref.load %params[%c2] : memref<?xf32>
      %ki = arith.fptosi %kf : f32 to i32
      %kr = arith.index_cast %ki : i32 to index
      %k0 = arith.maxui %kr, %c1 : index
      %k = arith.minui %k0, %c64 : index
      %base = arith.muli %l, %c64 : index
      %r:2 = scf.for %i = %l to %n step %c256
          iter_args(%m = %c0, %mx = %ninf) -> (index, f32) {
        %v = memref.load %logits[%i] : memref<?xf32>
        %gtm = arith.cmpf ogt, %v, %mx : f32
        %mx2 = arith.select %gtm, %v, %mx : f32
        %full = arith.cmpi uge, %m, %k : index
        // Full: only a logit above the last one enters (an equal one has a
        // larger index, so it comes after).
        %enter = scf.if %full -> (i1) {
          %lastAt = arith.addi %base, %m : index
          %lastAt1 = arith.subi %lastAt, %c1 : index
          %lv = memref.load %vals[%lastAt1] : memref<?xf32>
          %gt = arith.cmpf ogt, %v, %lv : f32
          scf.yield %gt : i1
        } else {
          scf.yield %true : i1
        }
        %m2 = scf.if %enter -> (index) {
          %km1 = arith.subi %k, %c1 : index
          %start = arith.select %full, %km1, %m : index
          // Move the smaller ones down a slot.
          %j = scf.while (%jj = %start) : (index) -> index {
            %pos = arith.cmpi ugt, %jj, %c0 : index
            %more = scf.if %pos -> (i1) {
              %a = arith.addi %base, %jj : index
              %a1 = arith.subi %a, %c1 : index
              %pv = memref.load %vals[%a1] : memref<?xf32>
              %lt = arith.cmpf olt, %pv, %v : f32
              scf.yield %lt : i1
            } else {
              scf.yield %false : i1
            }
            scf.condition(%more) %jj : index
          } do {
          ^bb0(%jj: index):
            %a = arith.addi %base, %jj : index
            %a1 = arith.subi %a, %c1 : index
            %pv = memref.load %vals[%a1] : memref<?xf32>
            %pi = memref.load %idx[%a1] : memref<?xi32>
            memref.store %pv, %vals[%a] : memref<?xf32>
            memref.store %pi, %idx[%a] : memref<?xi32>
            %jn = arith.subi %jj, %c1 : index
            scf.yield %jn : index
          }
          %at = arith.addi %base, %j : index
          %ii = arith.index_cast %i : index to i32
          memref.store %v, %vals[%at] : memref<?xf32>
          memref.store %ii, %idx[%at] : memref<?xi32>
          %m1 = arith.addi %m, %c1 : index
          %mn = arith.select %full, %m, %m1 : index
          scf.yield %mn : index
        } else {
          scf.yield %m : index
        }
        scf.yield %m2, %mx2 : index, f32
      }
      %ri = arith.index_cast %r#0 : index to i32
      memref.store %ri, %cnt[%l] : memref<?xi32>
      memref.store %r#1, %stat[%l] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }

  // 2. Each lane's part of the denominator, against the largest logit of
  // all (divided by the temperature as the CPU does: x / T - max / T).
  scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c256) step (%c1) {
      %temp = memref.load %params[%c0] : memref<?xf32>
      %mx = scf.for %t = %c0 to %c256 step %c1 iter_args(%a = %ninf) -> (f32) {
        %v = memref.load %stat[%t] : memref<?xf32>
        %gt = arith.cmpf ogt, %v, %a : f32
        %a2 = arith.select %gt, %v, %a : f32
        scf.yield %a2 : f32
      }
      %mt = arith.divf %mx, %temp : f32
      %s = scf.for %i = %l to %n step %c256 iter_args(%a = %f0) -> (f32) {
        %v = memref.load %logits[%i] : memref<?xf32>
        %vt = arith.divf %v, %temp : f32
        %d = arith.subf %vt, %mt : f32
        %e = math.exp %d : f32
        %a2 = arith.addf %a, %e : f32
        scf.yield %a2 : f32
      }
      %at = arith.addi %l, %c256 : index
      memref.store %s, %stat[%at] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }

  // 3. Merges: lists 16 t .. 16 t + 15 into list 256 + t (16 lanes), then
  // lists 256-271 into list 272 (one lane). Each merging lane keeps its 16
  // lists' heads (value, index, position) and takes the first of them k
  // times.
  scf.for %level = %c0 to %c2 step %c1 {
    %first = arith.cmpi eq, %level, %c0 : index
    %lanes = arith.select %first, %c16, %c1 : index
    %src = arith.select %first, %c0, %c256 : index
    %dst = arith.select %first, %c256, %c272 : index
    scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
      scf.parallel (%l) = (%c0) to (%lanes) step (%c1) {
        %kf = memref.load %params[%c2] : memref<?xf32>
        %ki = arith.fptosi %kf : f32 to i32
        %kr = arith.index_cast %ki : i32 to index
        %k0 = arith.maxui %kr, %c1 : index
        %k = arith.minui %k0, %c64 : index
        %hv = memref.alloca() : memref<16xf32>
        %hi = memref.alloca() : memref<16xi32>
        %hp = memref.alloca() : memref<16xindex>
        %hn = memref.alloca() : memref<16xindex>
        %l16 = arith.muli %l, %c16 : index
        %list0 = arith.addi %src, %l16 : index
        scf.for %t = %c0 to %c16 step %c1 {
          %list = arith.addi %list0, %t : index
          %ni = memref.load %cnt[%list] : memref<?xi32>
          %nn = arith.index_cast %ni : i32 to index
          memref.store %nn, %hn[%t] : memref<16xindex>
          memref.store %c0, %hp[%t] : memref<16xindex>
          %has = arith.cmpi ugt, %nn, %c0 : index
          scf.if %has {
            %a = arith.muli %list, %c64 : index
            %v = memref.load %vals[%a] : memref<?xf32>
            %i = memref.load %idx[%a] : memref<?xi32>
            memref.store %v, %hv[%t] : memref<16xf32>
            memref.store %i, %hi[%t] : memref<16xi32>
          }
        }
        %dl = arith.addi %dst, %l : index
        %dbase = arith.muli %dl, %c64 : index
        // No head yet: list 16 of 16.
        %none = arith.constant 16 : index
        %i0 = arith.constant 0 : i32
        %made = scf.for %s = %c0 to %k step %c1 iter_args(%m = %c0) -> (index) {
          // The first head: the largest value, then the smallest index.
          %best:3 = scf.for %t = %c0 to %c16 step %c1
              iter_args(%bt = %none, %bv = %ninf, %bi = %i0) -> (index, f32, i32) {
            %p = memref.load %hp[%t] : memref<16xindex>
            %nn = memref.load %hn[%t] : memref<16xindex>
            %live = arith.cmpi ult, %p, %nn : index
            %r:3 = scf.if %live -> (index, f32, i32) {
              %v = memref.load %hv[%t] : memref<16xf32>
              %i = memref.load %hi[%t] : memref<16xi32>
              %noBest = arith.cmpi eq, %bt, %none : index
              %gt = arith.cmpf ogt, %v, %bv : f32
              %eq = arith.cmpf oeq, %v, %bv : f32
              %lower = arith.cmpi slt, %i, %bi : i32
              %tie = arith.andi %eq, %lower : i1
              %better = arith.ori %gt, %tie : i1
              %take = arith.ori %better, %noBest : i1
              %nt = arith.select %take, %t, %bt : index
              %nv = arith.select %take, %v, %bv : f32
              %ni = arith.select %take, %i, %bi : i32
              scf.yield %nt, %nv, %ni : index, f32, i32
            } else {
              scf.yield %bt, %bv, %bi : index, f32, i32
            }
            scf.yield %r#0, %r#1, %r#2 : index, f32, i32
          }
          %found = arith.cmpi ne, %best#0, %none : index
          %m2 = scf.if %found -> (index) {
            %at = arith.addi %dbase, %m : index
            memref.store %best#1, %vals[%at] : memref<?xf32>
            memref.store %best#2, %idx[%at] : memref<?xi32>
            %p = memref.load %hp[%best#0] : memref<16xindex>
            %p1 = arith.addi %p, %c1 : index
            memref.store %p1, %hp[%best#0] : memref<16xindex>
            %nn = memref.load %hn[%best#0] : memref<16xindex>
            %more = arith.cmpi ult, %p1, %nn : index
            scf.if %more {
              %list = arith.addi %list0, %best#0 : index
              %lb = arith.muli %list, %c64 : index
              %a = arith.addi %lb, %p1 : index
              %v = memref.load %vals[%a] : memref<?xf32>
              %i = memref.load %idx[%a] : memref<?xi32>
              memref.store %v, %hv[%best#0] : memref<16xf32>
              memref.store %i, %hi[%best#0] : memref<16xi32>
            }
            %m1 = arith.addi %m, %c1 : index
            scf.yield %m1 : index
          } else {
            scf.yield %m : index
          }
          scf.yield %m2 : index
        }
        %mi = arith.index_cast %made : index to i32
        memref.store %mi, %cnt[%dl] : memref<?xi32>
        scf.reduce
      }
      scf.reduce
    }
  }

  // 4. The draw, as the CPU's: probabilities of the top k (over the whole
  // vocabulary's denominator), cut where their sum passes top-p, then the
  // first whose running sum passes coin times the kept sum.
  scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c1) step (%c1) {
      %temp = memref.load %params[%c0] : memref<?xf32>
      %topP = memref.load %params[%c1] : memref<?xf32>
      %coin = memref.load %params[%c3] : memref<?xf32>
      %mx = scf.for %t = %c0 to %c256 step %c1 iter_args(%a = %ninf) -> (f32) {
        %v = memref.load %stat[%t] : memref<?xf32>
        %gt = arith.cmpf ogt, %v, %a : f32
        %a2 = arith.select %gt, %v, %a : f32
        scf.yield %a2 : f32
      }
      %mt = arith.divf %mx, %temp : f32
      %sum = scf.for %t = %c0 to %c256 step %c1 iter_args(%a = %f0) -> (f32) {
        %at = arith.addi %t, %c256 : index
        %v = memref.load %stat[%at] : memref<?xf32>
        %a2 = arith.addf %a, %v : f32
        scf.yield %a2 : f32
      }
      %n0i = memref.load %cnt[%c272] : memref<?xi32>
      %n0 = arith.index_cast %n0i : i32 to index
      %base = arith.muli %c272, %c64 : index
      %pOn0 = arith.cmpf ogt, %topP, %f0 : f32
      %pOn1 = arith.cmpf olt, %topP, %f1 : f32
      %pOn = arith.andi %pOn0, %pOn1 : i1
      // The probabilities in place of the logits.
      scf.for %j = %c0 to %n0 step %c1 {
        %at = arith.addi %base, %j : index
        %v = memref.load %vals[%at] : memref<?xf32>
        %vt = arith.divf %v, %temp : f32
        %d = arith.subf %vt, %mt : f32
        %e = math.exp %d : f32
        %p = arith.divf %e, %sum : f32
        memref.store %p, %vals[%at] : memref<?xf32>
      }
      // In the CPU's order: by probability, then index (its stable sort).
      // Ordered by logit, two logits that round to one probability may not
      // be by index: an insertion sort moves them.
      scf.for %j = %c1 to %n0 step %c1 {
        %at = arith.addi %base, %j : index
        %p = memref.load %vals[%at] : memref<?xf32>
        %i = memref.load %idx[%at] : memref<?xi32>
        %h = scf.while (%hh = %j) : (index) -> index {
          %pos = arith.cmpi ugt, %hh, %c0 : index
          %more = scf.if %pos -> (i1) {
            %a = arith.addi %base, %hh : index
            %a1 = arith.subi %a, %c1 : index
            %pp = memref.load %vals[%a1] : memref<?xf32>
            %pi = memref.load %idx[%a1] : memref<?xi32>
            %lt = arith.cmpf olt, %pp, %p : f32
            %eq = arith.cmpf oeq, %pp, %p : f32
            %after = arith.cmpi sgt, %pi, %i : i32
            %tie = arith.andi %eq, %after : i1
            %mv = arith.ori %lt, %tie : i1
            scf.yield %mv : i1
          } else {
            scf.yield %false : i1
          }
          scf.condition(%more) %hh : index
        } do {
        ^bb0(%hh: index):
          %a = arith.addi %base, %hh : index
          %a1 = arith.subi %a, %c1 : index
          %pp = memref.load %vals[%a1] : memref<?xf32>
          %pi = memref.load %idx[%a1] : memref<?xi32>
          memref.store %pp, %vals[%a] : memref<?xf32>
          memref.store %pi, %idx[%a] : memref<?xi32>
          %hn = arith.subi %hh, %c1 : index
          scf.yield %hn : index
        }
        %to = arith.addi %base, %h : index
        memref.store %p, %vals[%to] : memref<?xf32>
        memref.store %i, %idx[%to] : memref<?xi32>
      }
      // The cumulative sum up to the cut.
      %n0m1 = arith.subi %n0, %c1 : index
      %cut:3 = scf.for %j = %c0 to %n0 step %c1
          iter_args(%cum = %f0, %last = %n0m1, %done = %false)
          -> (f32, index, i1) {
        %at = arith.addi %base, %j : index
        %p = memref.load %vals[%at] : memref<?xf32>
        %cum2 = arith.addf %cum, %p : f32
        %over = arith.cmpf ogt, %cum2, %topP : f32
        %stopHere0 = arith.andi %pOn, %over : i1
        %notDone = arith.xori %done, %true : i1
        %stopHere = arith.andi %stopHere0, %notDone : i1
        %cumN = arith.select %done, %cum, %cum2 : f32
        %lastN = arith.select %stopHere, %j, %last : index
        %doneN = arith.ori %done, %stopHere : i1
        scf.yield %cumN, %lastN, %doneN : f32, index, i1
      }
      %r = arith.mulf %coin, %cut#0 : f32
      %lastAt = arith.addi %base, %cut#1 : index
      %fallback = memref.load %idx[%lastAt] : memref<?xi32>
      %lastP1 = arith.addi %cut#1, %c1 : index
      %pick:3 = scf.for %j = %c0 to %lastP1 step %c1
          iter_args(%cdf = %f0, %tok = %fallback, %got = %false)
          -> (f32, i32, i1) {
        %at = arith.addi %base, %j : index
        %p = memref.load %vals[%at] : memref<?xf32>
        %i = memref.load %idx[%at] : memref<?xi32>
        %cdf2 = arith.addf %cdf, %p : f32
        %lt = arith.cmpf olt, %r, %cdf2 : f32
        %notGot = arith.xori %got, %true : i1
        %take = arith.andi %lt, %notGot : i1
        %tokN = arith.select %take, %i, %tok : i32
        %gotN = arith.ori %got, %take : i1
        scf.yield %cdf2, %tokN, %gotN : f32, i32, i1
      }
      // Logits that are not finite (a NaN or infinity in the maximum or the
      // denominator): -1, which the host reports, as it reports such
      // logits on the CPU.
      %inf = arith.constant 0x7F800000 : f32
      %amx = math.absf %mx : f32
      %mxOk = arith.cmpf olt, %amx, %inf : f32
      %sumFin = arith.cmpf olt, %sum, %inf : f32
      %sumPos = arith.cmpf ogt, %sum, %f0 : f32
      %ok0 = arith.andi %mxOk, %sumFin : i1
      %ok = arith.andi %ok0, %sumPos : i1
      %bad = arith.constant -1 : i32
      %tok = arith.select %ok, %pick#1, %bad : i32
      memref.store %tok, %out[%c0] : memref<?xi32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
