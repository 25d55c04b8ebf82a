# stochdiff naive estimator for maml_linear.sd
# streams (each draws independently of the others):
#   s1: E[z] at line 8: draws z ~ minibatch
#   s2: E[zv] at line 9: draws zv ~ minibatch
def estimate(P, D, S, C, F):
    v0 = P['theta']                                           # 2:7 param theta
    v1 = D['D']                                               # 3:6 data D
    v2 = D['Dv']                                              # 3:9 data Dv
    v3 = C[0]                                                 # 4:7 const eta = 0.1
    v4 = S.draw(1, 0, 'minibatch', (1,), (v1,))               # 6:1 stream s1: draw z for E[z]
    v5 = k_field(v4, 'x', 2)                                  # 5:24 field
    v6 = k_matmul(v5, lift(v0, 1, 2), 2)                      # 5:24 matmul
    v7 = k_field(v4, 'y', 2)                                  # 5:34 field
    v8 = k_sub(v6, v7, 2)                                     # 5:24 sub
    v9 = C[1]                                                 # 5:41 2
    v10 = k_pow(v8, lift(v9, 1, 2), 2)                        # 5:23 pow
    v11 = k_mean(v10, 2)                                      # 5:18 mean
    v12 = k_seed(v11, 2)                                      # 8:29 seed
    v13 = k_expand(v12, v10, 2)                               # 5:18 expand
    v14 = k_size(v10, 2)                                      # 5:18 size
    v15 = k_div(v13, v14, 2)                                  # 5:18 div
    v16 = k_mul(lift(v9, 1, 2), v8, 2)                        # 5:23 mul
    v17 = k_mul(v15, v16, 2)                                  # 5:23 mul
    v18 = k_unbroadcast(v17, v8, 2)                           # 5:23 unbroadcast
    v19 = k_unbroadcast(v18, v6, 2)                           # 5:24 unbroadcast
    v23 = k_matmul_gb(v19, v5, lift(v0, 1, 2), 2)             # 5:24 matmul_gb
    v24 = k_densify(v23, lift(v0, 1, 2), 2)                   # 8:29 densify
    v25 = S.mean(v24, 1)                                      # 8:24 average over stream s1 (E[z], line 8)
    v26 = k_mul(v3, v25, 1)                                   # 8:18 mul
    v27 = k_sub(v0, v26, 1)                                   # 8:10 sub
    v28 = S.draw(2, 0, 'minibatch', (1,), (v2,))              # 7:1 stream s2: draw zv for E[zv]
    v29 = k_field(v28, 'x', 2)                                # 5:24 field
    v30 = k_matmul(v29, lift(v27, 1, 2), 2)                   # 5:24 matmul
    v31 = k_field(v28, 'y', 2)                                # 5:34 field
    v32 = k_sub(v30, v31, 2)                                  # 5:24 sub
    v33 = k_pow(v32, lift(v9, 1, 2), 2)                       # 5:23 pow
    v34 = k_mean(v33, 2)                                      # 5:18 mean
    v35 = S.mean(v34, 2)                                      # 9:10 average over stream s2 (E[zv], line 9)
    v36 = k_seed(v35, 1)                                      # 9:1 seed
    v37 = k_expand(lift(v36, 1, 2), v33, 2)                   # 5:18 expand
    v38 = k_size(v33, 2)                                      # 5:18 size
    v39 = k_div(v37, v38, 2)                                  # 5:18 div
    v40 = k_mul(lift(v9, 1, 2), v32, 2)                       # 5:23 mul
    v41 = k_mul(v39, v40, 2)                                  # 5:23 mul
    v42 = k_unbroadcast(v41, v32, 2)                          # 5:23 unbroadcast
    v43 = k_unbroadcast(v42, v30, 2)                          # 5:24 unbroadcast
    v47 = k_matmul_gb(v43, v29, lift(v27, 1, 2), 2)           # 5:24 matmul_gb
    v48 = S.mean(v47, 2)                                      # 9:10 average over stream s2 (E[zv], line 9)
    v49 = k_unbroadcast(v48, v0, 1)                           # 8:10 unbroadcast
    v50 = k_neg(v48, 1)                                       # 8:10 neg
    v51 = k_unbroadcast(v50, v26, 1)                          # 8:10 unbroadcast
    v54 = k_mul(v51, v3, 1)                                   # 8:18 mul
    v55 = k_unbroadcast(v54, v25, 1)                          # 8:18 unbroadcast
    v56 = k_matmul(v5, lift(v55, 1, 2), 2)                    # 5:24 matmul
    v57 = k_unbroadcast(v56, v19, 2)                          # 5:24 unbroadcast
    v59 = k_broadcast_to(v57, v18, 2)                         # 5:24 broadcast_to
    v60 = k_broadcast_to(v59, v17, 2)                         # 5:23 broadcast_to
    v63 = k_mul(v60, v15, 2)                                  # 5:23 mul
    v64 = k_unbroadcast(v63, v16, 2)                          # 5:23 unbroadcast
    v67 = k_mul(v64, lift(v9, 1, 2), 2)                       # 5:23 mul
    v68 = k_unbroadcast(v67, v8, 2)                           # 5:23 unbroadcast
    v76 = k_unbroadcast(v68, v6, 2)                           # 5:24 unbroadcast
    v80 = k_matmul_gb(v76, v5, lift(v0, 1, 2), 2)             # 5:24 matmul_gb
    v81 = S.mean(v80, 1)                                      # 8:24 average over stream s1 (E[z], line 8)
    v82 = k_add(v49, v81, 1)                                  # 2:7 add
    v83 = k_densify(v82, v0, 1)                               # 9:1 densify
    return (v35, v83,)
